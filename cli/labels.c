/*
 * labels.c: the words and units of output fields and sweep axes (labels.h).
 *
 * The field table follows report.h's fields with the units of docs/reference.md's field table;
 * a field added to report.c without a row here prints its own name, and tests/cli_sweep.sh
 * checks every field has a row and that its unit is the reference page's.
 */
#include "labels.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

typedef struct labels_row {
    const char *name;  /* report.h's field name */
    const char *label; /* what it counts, in words */
    const char *unit;  /* what one unit of it is */
} labels_row;

static const labels_row labels_fields[] = {
    {"records", "records to send", "records"},
    {"sends", "application sends, resends included", "sends"},
    {"acked", "successful callbacks", "callbacks"},
    {"failed", "failed callbacks", "callbacks"},
    {"unanswered", "sends never answered", "sends"},
    {"committed", "records in the committed log", "records"},
    {"duplicates", "duplicate records in the committed log", "records"},
    {"reordered", "reordered records in the committed log", "records"},
    {"lost_acked", "lost acknowledged records", "records"},
    {"failed_but_written", "records reported failed but committed", "records"},
    {"unexpected", "committed records never sent", "records"},
    {"transactions_committed", "transactions whose commit was acknowledged", "transactions"},
    {"transactions_aborted", "transactions whose abort was acknowledged", "transactions"},
    {"aborted_read", "records a consumer read of transactions never committed", "records"},
    {"atomicity_violations", "transactions a consumer saw in part", "transactions"},
    {"zombie_writes", "records a consumer read written at a fenced epoch", "records"},
    {"lost_commits", "committed transactions missing a batch in a consumer's view",
     "transactions"},
    {"hanging_transactions", "transactions left open in a partition's log", "transactions"},
    {"processed", "input records the external sink applied", "records"},
    {"processed_twice", "input records the sink applied more than once", "records"},
    {"processed_never", "input records committed as consumed, never applied", "records"},
    {"output_duplicates", "output records beyond one per input record", "records"},
    {"output_missing", "input records committed as consumed without an output", "records"},
    {"rebalances", "group generations beyond the first", "rebalances"},
    {"reprocessed", "input records processed more than once", "records"},
    {"unconsumed", "input records beyond the committed offsets", "records"},
    {"retries", "Produce attempts beyond the first of each batch", "attempts"},
    {"epoch_bumps", "producer epoch bumps", "bumps"},
    {"deduplicated", "retries answered from the producer-state cache", "attempts"},
    {"expired", "batches expired by delivery.timeout.ms", "batches"},
    {"leader_elections", "leader elections", "elections"},
    {"unclean_elections", "unclean leader elections", "elections"},
    {"truncated", "records removed by truncation", "records"},
    {"messages_dropped", "messages dropped by faults", "messages"},
    {"errors_total", "errors the producer saw", "answers and callbacks"},
    {"faults_configured", "faults configured", "faults"},
    {"faults_fired", "faults that fired", "faults"},
    {"latency_p50_ms", "send-to-callback latency, median", "ms"},
    {"latency_p99_ms", "send-to-callback latency, 99th percentile", "ms"},
    {"latency_max_ms", "send-to-callback latency, maximum", "ms"},
    {"sim_time_ms", "simulated time", "ms"},
    {"settled", "runs whose final high watermark reached the log end", "0 or 1"},
    {"events", "simulation events", "events"},
};

void labels_field(const char *name, const char **label, const char **unit) {
    for (size_t i = 0; i < sizeof labels_fields / sizeof labels_fields[0]; i++) {
        if (strcmp(labels_fields[i].name, name) == 0) {
            *label = labels_fields[i].label;
            *unit = labels_fields[i].unit;
            return;
        }
    }
    static char error_label[96]; /* the last errors.CODE asked for */
    *label = name;
    *unit = "";
    if (strncmp(name, "errors.", 7) == 0) {
        snprintf(error_label, sizeof error_label, "times the producer saw error %s", name + 7);
        *label = error_label;
        *unit = "answers / callbacks";
    }
}

void labels_field_axis(const char *name, char *buf, size_t len) {
    const char *label, *unit;
    labels_field(name, &label, &unit);
    if (strncmp(name, "errors", 6) == 0) snprintf(buf, len, "%s (per run)", label);
    else if (strcmp(unit, "ms") == 0) snprintf(buf, len, "%s (ms)", label);
    else if (strcmp(name, "settled") == 0) snprintf(buf, len, "%s (share of runs)", label);
    else if (unit[0]) snprintf(buf, len, "%s (%s per run)", label, unit);
    else snprintf(buf, len, "%s", label);
}

/* ==== Axes =================================================================================== */

/* The first set.* value that uses ${name}, and where in it; NULL when none does. */
static const sweep_set *labels_axis_use(const sweep_spec *s, const char *name, const char **at) {
    char ref[160];
    snprintf(ref, sizeof ref, "${%s}", name);
    for (size_t i = 0; i < s->set_count; i++) {
        *at = strstr(s->sets[i].value, ref);
        if (*at) return &s->sets[i];
    }
    return NULL;
}

static bool labels_time_unit(const char *text, size_t n) {
    static const char *const units[5] = {"us", "ms", "s", "min", "h"};
    for (int i = 0; i < 5; i++) {
        if (strlen(units[i]) == n && strncmp(text, units[i], n) == 0) return true;
    }
    return false;
}

/* The unit of axis a of s ("ms", "requests", "step index", ""), borrowed. */
static const char *labels_axis_unit(const sweep_spec *s, size_t a) {
    static char unit[8];
    const sweep_axis *axis = &s->axes[a];
    if (axis->is_key) {
        size_t count = 0;
        const config_key *keys = config_keys(&count);
        for (size_t i = 0; i < count; i++) {
            if (strcmp(keys[i].name, axis->name) == 0) return keys[i].unit;
        }
        return "";
    }
    const char *at = NULL;
    const sweep_set *set = labels_axis_use(s, axis->name, &at);
    if (!set) return "";
    const char *after = at + strlen(axis->name) + 3;
    size_t n = strspn(after, "abcdefghijklmnopqrstuvwxyz");
    if (labels_time_unit(after, n) && n < sizeof unit) {
        snprintf(unit, sizeof unit, "%.*s", (int)n, after);
        return unit;
    }
    if (at - set->value >= 2 && strncmp(at - 2, "n=", 2) == 0) return "step index";
    if (at - set->value >= 2 && strncmp(at - 2, "p=", 2) == 0) return "probability";
    return "";
}

void labels_axis(const sweep_spec *s, size_t a, char *buf, size_t len) {
    const sweep_axis *axis = &s->axes[a];
    const char *unit = labels_axis_unit(s, a), *at = NULL;
    size_t used = (size_t)snprintf(buf, len, unit[0] ? "%s (%s)" : "%s", axis->name, unit);
    const sweep_set *set = axis->is_key ? NULL : labels_axis_use(s, axis->name, &at);
    if (!set || used >= len) return;
    /* "in KEY = VALUE", each ${NAME} written as NAME and a unit glued to it set apart. */
    used += (size_t)snprintf(buf + used, len - used, " in %s = ", set->key);
    for (const char *p = set->value; *p && used + 1 < len;) {
        const char *close = strncmp(p, "${", 2) == 0 ? strchr(p, '}') : NULL;
        if (!close) {
            buf[used++] = *p++;
            continue;
        }
        used += (size_t)snprintf(buf + used, len - used, "%.*s", (int)(close - p - 2), p + 2);
        p = close + 1;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
        if (n && labels_time_unit(p, n) && used + 1 < len) buf[used++] = ' ';
    }
    buf[used < len ? used : len - 1] = '\0';
}
