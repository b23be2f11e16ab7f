/*
 * report.c: text, JSON and CSV output of one run, from one table of fields.
 *
 * The table names every output field once, with its kind and where it lives in run_result;
 * JSON nests the fields of a group ("latency_ms": {"p50", ...}, "faults": {...}) and adds the
 * per-code error counts ("errors": {"NOT_LEADER_OR_FOLLOWER": 3}), CSV flattens them. Numbers
 * are printed from integers only (durations: integer ns as ms with three decimals, truncated
 * to the microsecond like sim_time_format), so output is byte-identical across compilers.
 *
 * The text form leads with the verdict in Jepsen's words (lost-write, duplicate,
 * nonmonotonic-send), says when configured faults never fired (a run that tested nothing), and
 * ends with a command line that replays the run: the keys that differ from the defaults of
 * the run's kafka.version, and the seed.
 */
#include "report.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "cli.h"
#include "fault_parse.h"
#include "sim.h"

typedef enum report_type { TYPE_U64, TYPE_I64, TYPE_STATUS } report_type;

typedef struct report_field {
    const char *name;   /* flat name: CSV header, --expect, sweeps */
    report_kind kind;   /* how it prints */
    const char *group;  /* JSON object it nests in, NULL at top level */
    const char *member; /* its name inside the group */
    size_t offset;      /* where the value lives in run_result */
    report_type type;   /* how the value is stored */
} report_field;

#define FIELD_U64(n, m) {#n, REPORT_COUNT, NULL, NULL, offsetof(run_result, m), TYPE_U64}
#define FIELD_CHECK(n) FIELD_U64(n, check.n)

static const report_field report_fields[] = {
    FIELD_U64(seed, seed),
    {"config_hash", REPORT_HASH, NULL, NULL, offsetof(run_result, config_hash), TYPE_U64},
    {"status", REPORT_STATUS, NULL, NULL, offsetof(run_result, invariant_broken), TYPE_STATUS},
    FIELD_CHECK(records),
    FIELD_CHECK(sends),
    FIELD_CHECK(acked),
    FIELD_CHECK(failed),
    FIELD_CHECK(unanswered),
    FIELD_CHECK(committed),
    FIELD_CHECK(duplicates),
    FIELD_CHECK(reordered),
    FIELD_CHECK(lost_acked),
    FIELD_CHECK(failed_but_written),
    FIELD_CHECK(unexpected),
    FIELD_CHECK(retries),
    FIELD_CHECK(epoch_bumps),
    FIELD_CHECK(deduplicated),
    FIELD_CHECK(expired),
    FIELD_CHECK(leader_elections),
    FIELD_CHECK(unclean_elections),
    FIELD_CHECK(truncated),
    FIELD_CHECK(messages_dropped),
    FIELD_CHECK(errors_total),
    {"faults_configured", REPORT_COUNT, "faults", "configured",
     offsetof(run_result, check.faults_configured), TYPE_U64},
    {"faults_fired", REPORT_COUNT, "faults", "fired", offsetof(run_result, check.faults_fired),
     TYPE_U64},
    {"latency_p50_ms", REPORT_MS, "latency_ms", "p50",
     offsetof(run_result, check.latency_p50_ns), TYPE_I64},
    {"latency_p99_ms", REPORT_MS, "latency_ms", "p99",
     offsetof(run_result, check.latency_p99_ns), TYPE_I64},
    {"latency_max_ms", REPORT_MS, "latency_ms", "max",
     offsetof(run_result, check.latency_max_ns), TYPE_I64},
    {"sim_time_ms", REPORT_MS, NULL, NULL, offsetof(run_result, sim_time_ns), TYPE_I64},
    FIELD_U64(settled, settled),
    FIELD_U64(events, events),
    {"trace_hash", REPORT_HASH, NULL, NULL, offsetof(run_result, trace_hash), TYPE_U64},
};

#define REPORT_FIELDS (sizeof report_fields / sizeof report_fields[0])

/* The fields of a transactional run (txn_checker.h), index REPORT_FIELDS + k. A run without
 * transactional.id writes none of them (its JSON, CSV and text stay as they were; the values
 * would be 0); a transactional run's JSON has them after "unexpected", its CSV after the
 * table's columns, and a sweep of which some cell is transactional has them as columns of
 * runs.csv and cells.csv (report_csv_header, cmd_sweep.c). --expect and plot.y read them by
 * name in every run. */
static const report_field report_txn_fields[] = {
    FIELD_CHECK(transactions_committed),
    FIELD_CHECK(transactions_aborted),
    FIELD_CHECK(aborted_read),
    FIELD_CHECK(atomicity_violations),
    FIELD_CHECK(zombie_writes),
    FIELD_CHECK(lost_commits),
    FIELD_CHECK(hanging_transactions),
};

#define REPORT_TXN_FIELDS (sizeof report_txn_fields / sizeof report_txn_fields[0])

/* The fields of a run with consumers (pipeline_checker.h), index REPORT_FIELDS +
 * REPORT_TXN_FIELDS + k, as the transaction fields are: a run without workload.consumers writes
 * none of them (its JSON, CSV and text stay as they were; the values would be 0); a run with
 * consumers has them in JSON after the transaction fields' place, in CSV after the table's
 * columns and the transaction ones, and a sweep of which some cell has consumers has them as
 * columns. --expect and plot.y read them by name in every run. */
static const report_field report_pipeline_fields[] = {
    FIELD_CHECK(processed),
    FIELD_CHECK(processed_twice),
    FIELD_CHECK(processed_never),
    FIELD_CHECK(output_duplicates),
    FIELD_CHECK(output_missing),
    FIELD_CHECK(rebalances),
    FIELD_CHECK(reprocessed),
    FIELD_CHECK(unconsumed),
};

#define REPORT_PIPELINE_FIELDS (sizeof report_pipeline_fields / sizeof report_pipeline_fields[0])
#define REPORT_PIPELINE_FIRST (REPORT_FIELDS + REPORT_TXN_FIELDS)
/* The three tables, then errors.CODE. */
#define REPORT_TABLE (REPORT_PIPELINE_FIRST + REPORT_PIPELINE_FIELDS)

/* Field i of the three tables (i < REPORT_TABLE). */
static const report_field *report_table_field(size_t i) {
    if (i < REPORT_FIELDS) return &report_fields[i];
    if (i < REPORT_PIPELINE_FIRST) return &report_txn_fields[i - REPORT_FIELDS];
    return &report_pipeline_fields[i - REPORT_PIPELINE_FIRST];
}

/* errors.CODE: one error code's count, the member CODE of JSON's "errors" object. These fields
 * follow the table (index REPORT_FIELDS + k): --expect and plot.y read them by name, while CSV
 * and JSON rows keep their columns (JSON has them in "errors"). Built once, in code order, from
 * every code below PROTO_ERROR_CODES_MAX that protocol.c's proto_error_name names
 * (tests/cli_client.sh checks every code a run reports). */
#define REPORT_ERROR_FIELDS_MAX 64

typedef struct report_error_field {
    int code;      /* proto_error */
    char name[48]; /* "errors." and proto_error_name(code) */
} report_error_field;

static report_error_field report_error_fields[REPORT_ERROR_FIELDS_MAX];
static size_t report_error_count; /* entries of report_error_fields; 0: not built yet */

/* Fills report_error_fields on the first call; returns its entries. */
static size_t report_error_fields_build(void) {
    if (report_error_count) return report_error_count;
    for (int code = ERR_NONE + 1; code < PROTO_ERROR_CODES_MAX; code++) {
        const char *name = proto_error_name(code);
        if (strcmp(name, "UNKNOWN") == 0) continue;
        SIM_ASSERT(NULL, report_error_count < REPORT_ERROR_FIELDS_MAX);
        report_error_field *f = &report_error_fields[report_error_count++];
        f->code = code;
        int n = snprintf(f->name, sizeof f->name, "errors.%s", name);
        SIM_ASSERT(NULL, n > 0 && (size_t)n < sizeof f->name);
    }
    return report_error_count;
}

/* ---- The table ---------------------------------------------------------------------------- */

size_t report_field_count(void) { return REPORT_FIELDS; }

size_t report_field_txn_first(void) { return REPORT_FIELDS; }

size_t report_field_txn_count(void) { return REPORT_TXN_FIELDS; }

size_t report_field_pipeline_first(void) { return REPORT_PIPELINE_FIRST; }

size_t report_field_pipeline_count(void) { return REPORT_PIPELINE_FIELDS; }

size_t report_field_count_all(void) { return REPORT_TABLE + report_error_fields_build(); }

const char *report_field_name(size_t i) {
    if (i < REPORT_TABLE) return report_table_field(i)->name;
    return i < report_field_count_all() ? report_error_fields[i - REPORT_TABLE].name : NULL;
}

int report_field_error_code(size_t i) {
    if (i < REPORT_TABLE || i >= report_field_count_all()) return -1;
    return report_error_fields[i - REPORT_TABLE].code;
}

report_kind report_field_kind(size_t i) {
    return i < REPORT_TABLE ? report_table_field(i)->kind : REPORT_COUNT;
}

int report_field_find(const char *name) {
    for (size_t i = 0; i < report_field_count_all(); i++)
        if (strcmp(report_field_name(i), name) == 0) return (int)i;
    return -1;
}

/* The raw bits of field i: a count, ns, a hash or 0/1 for the status. */
static int64_t report_raw(const run_result *r, size_t i) {
    if (i >= REPORT_TABLE) return (int64_t)r->check.errors[report_field_error_code(i)];
    const report_field *f = report_table_field(i);
    const char *at = (const char *)r + f->offset;
    switch (f->type) {
    case TYPE_U64: {
        uint64_t v;
        memcpy(&v, at, sizeof v);
        return (int64_t)v;
    }
    case TYPE_I64: {
        int64_t v;
        memcpy(&v, at, sizeof v);
        return v;
    }
    case TYPE_STATUS: return r->invariant_broken ? 1 : 0;
    }
    return 0;
}

report_value report_field_value(const run_result *r, size_t i) {
    SIM_ASSERT(NULL, i < report_field_count_all());
    report_value v = {.is_double = false, .i = report_raw(r, i), .d = 0};
    if (report_field_kind(i) == REPORT_MS) {
        v.is_double = true;
        v.d = (double)v.i / (double)SIM_MS;
    } else {
        v.d = (double)v.i;
    }
    return v;
}

/* ns as "12.345" ms, truncated to the microsecond; integer arithmetic only. */
static void report_write_ms(FILE *out, int64_t ns) {
    uint64_t m = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    fprintf(out, "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "", m / (uint64_t)SIM_MS,
            m % (uint64_t)SIM_MS / (uint64_t)SIM_US);
}

void report_field_write(FILE *out, const run_result *r, size_t i, bool json) {
    SIM_ASSERT(NULL, i < report_field_count_all());
    int64_t v = report_raw(r, i);
    const char *quote = json ? "\"" : "";
    switch (report_field_kind(i)) {
    case REPORT_COUNT: fprintf(out, "%" PRIu64, (uint64_t)v); break;
    case REPORT_MS:
        if (v < 0) fputs(json ? "null" : "", out);
        else report_write_ms(out, v);
        break;
    case REPORT_HASH: fprintf(out, "%s0x%016" PRIx64 "%s", quote, (uint64_t)v, quote); break;
    case REPORT_STATUS: fprintf(out, "%s%s%s", quote, v ? "failed" : "ok", quote); break;
    }
}

/* ---- CSV and JSON ------------------------------------------------------------------------- */

/* Whether field i is a column of a run's CSV row: the table's always, the transaction fields
 * in a transactional run, the pipeline fields in a run with consumers. */
static bool report_csv_has(size_t i, bool transactional, bool consumers) {
    if (i < REPORT_FIELDS) return true;
    if (i < REPORT_PIPELINE_FIRST) return transactional;
    return consumers;
}

void report_csv_header(FILE *out, bool transactional, bool consumers) {
    bool first = true;
    for (size_t i = 0; i < REPORT_TABLE; i++) {
        if (!report_csv_has(i, transactional, consumers)) continue;
        fprintf(out, "%s%s", first ? "" : ",", report_field_name(i));
        first = false;
    }
    fputs(",warnings\n", out);
}

/* The warnings column: one quoted CSV field, warnings joined by " | ", quotes doubled. */
typedef struct report_csv_warnings {
    FILE *out; /* borrowed */
    int count; /* warnings written */
} report_csv_warnings;

static void report_csv_warning(void *ctx, const char *text) {
    report_csv_warnings *w = ctx;
    if (w->count++) fputs(" | ", w->out);
    for (; *text; text++) {
        if (*text == '"') fputc('"', w->out);
        fputc(*text, w->out);
    }
}

void report_csv_row(FILE *out, const config *c, const run_result *r) {
    bool first = true;
    for (size_t i = 0; i < REPORT_TABLE; i++) {
        if (!report_csv_has(i, r->check.transactional, r->check.consumers)) continue;
        if (!first) fputc(',', out);
        report_field_write(out, r, i, false);
        first = false;
    }
    fputs(",\"", out);
    report_csv_warnings w = {.out = out, .count = 0};
    report_warnings(c, r, report_csv_warning, &w);
    fputs("\"\n", out);
}

/* A JSON string of our own text: quotes, backslashes and control bytes escaped. */
static void report_json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(out, "\\u%04x", (unsigned)*s);
        else fputc(*s, out);
    }
    fputc('"', out);
}

/* A transactional run's fields after "unexpected": the isolation level of the view the
 * anomalies were counted on, then the transaction fields. */
static void report_json_txn(FILE *out, const run_result *r) {
    if (!r->check.transactional) return;
    fprintf(out, ",\"isolation_level\":\"%s\"",
            r->check.read_committed ? "read_committed" : "read_uncommitted");
    for (size_t i = REPORT_FIELDS; i < REPORT_PIPELINE_FIRST; i++) {
        fprintf(out, ",\"%s\":", report_field_name(i));
        report_field_write(out, r, i, true);
    }
}

/* A run with consumers: the pipeline fields after the transaction fields' place. */
static void report_json_pipeline(FILE *out, const run_result *r) {
    if (!r->check.consumers) return;
    for (size_t i = REPORT_PIPELINE_FIRST; i < REPORT_TABLE; i++) {
        fprintf(out, ",\"%s\":", report_field_name(i));
        report_field_write(out, r, i, true);
    }
}

/* "errors": {"NAME": count, ...} in order of error code. */
static void report_json_errors(FILE *out, const checker_result *c) {
    fputs(",\"errors\":{", out);
    bool first = true;
    for (int code = 0; code < PROTO_ERROR_CODES_MAX; code++) {
        if (c->errors[code] == 0) continue;
        fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", proto_error_name(code),
                c->errors[code]);
        first = false;
    }
    fputc('}', out);
}

/* The "warnings" list: one JSON string per warning. */
typedef struct report_json_warnings {
    FILE *out; /* borrowed */
    int count; /* warnings written */
} report_json_warnings;

static void report_json_warning(void *ctx, const char *text) {
    report_json_warnings *w = ctx;
    if (w->count++) fputc(',', w->out);
    report_json_string(w->out, text);
}

/* "not_modelled": ["compression.type", ...]: Kafka keys accepted without effect on the run. */
static void report_json_not_modelled(FILE *out, const config *c) {
    fputs(",\"not_modelled\":[", out);
    int kept = c->not_modelled_count < CONFIG_NOT_MODELLED_MAX ? c->not_modelled_count
                                                               : CONFIG_NOT_MODELLED_MAX;
    for (int i = 0; i < kept; i++) {
        if (i) fputc(',', out);
        report_json_string(out, c->not_modelled[i]);
    }
    fputc(']', out);
}

/* ---- Partitions --------------------------------------------------------------------------- */

/* The partitions of a run's breakdown (run_result.by_partition): 0 in a world of one, whose
 * output stays as it was before partitions existed. */
static size_t report_partitions(const run_result *r) {
    return r->by_partition && r->check.partitions > 1 ? r->check.partitions : 0;
}

/* Partition g's display name ("orders-3", TopicPartition.toString) into buf. */
static const char *report_partition_name(const config *c, size_t g, char *buf, size_t len) {
    fault_world w;
    fault_world_of(c, &w);
    return w.partition_name(w.ctx, (int)g, buf, len);
}

/* "by_partition": [{"topic": "orders", "partition": 3, "leader_at_end": 2, ...}, ...]. */
static void report_json_partitions(FILE *out, const config *c, const run_result *r) {
    size_t n = report_partitions(r);
    if (n == 0 || !c) return;
    fputs(",\"by_partition\":[", out);
    for (size_t g = 0; g < n; g++) {
        const checker_partition *p = &r->by_partition[g];
        char name[FAULT_PARTITION_NAME_MAX];
        report_partition_name(c, g, name, sizeof name);
        char *dash = strrchr(name, '-'); /* topic names may hold '-': the last one splits */
        int number = dash ? atoi(dash + 1) : 0;
        if (dash) *dash = '\0';
        fputs(g ? ",{\"topic\":" : "{\"topic\":", out);
        report_json_string(out, name);
        fprintf(out, ",\"partition\":%d,\"leader_at_end\":", number);
        if (p->leader > 0) fprintf(out, "%d", p->leader);
        else fputs("null", out);
        fprintf(out, ",\"records\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"duplicates\":%" PRIu64
                     ",\"reordered\":%" PRIu64 ",\"lost_acked\":%" PRIu64 "}",
                p->committed, p->acked, p->duplicates, p->reordered, p->lost_acked);
    }
    fputc(']', out);
}

void report_json(FILE *out, const config *c, const run_result *r) {
    const char *group = NULL;
    fputc('{', out);
    for (size_t i = 0; i < REPORT_FIELDS; i++) {
        const report_field *f = &report_fields[i];
        if (group && (!f->group || strcmp(group, f->group) != 0)) fputc('}', out);
        if (i) fputc(',', out);
        if (f->group && (!group || strcmp(group, f->group) != 0))
            fprintf(out, "\"%s\":{", f->group);
        group = f->group;
        fprintf(out, "\"%s\":", f->group ? f->member : f->name);
        report_field_write(out, r, i, true);
        if (strcmp(f->name, "errors_total") == 0) report_json_errors(out, &r->check);
        if (strcmp(f->name, "unexpected") == 0) {
            report_json_txn(out, r);
            report_json_pipeline(out, r);
        }
        if (strcmp(f->name, "status") == 0) {
            char version[32];
            fputs(",\"end\":", out);
            report_json_string(out, sim_status_name(r->status));
            if (r->invariant_broken) {
                fputs(",\"failure\":", out);
                report_json_string(out, r->failure);
            }
            if (c) {
                fputs(",\"kafka_version\":", out);
                report_json_string(out, config_version_string(c->kafka_version, version,
                                                              sizeof version));
                report_json_not_modelled(out, c);
            }
        }
    }
    if (group) fputc('}', out);
    report_json_partitions(out, c, r);
    fputs(",\"warnings\":[", out);
    report_json_warnings w = {.out = out, .count = 0};
    report_warnings(c, r, report_json_warning, &w);
    fputs("]}\n", out);
}

/* ---- Replay ------------------------------------------------------------------------------- */

/* True when s holds a control character (a tab, a line break, ...), which a replay line must
 * not carry as a raw byte: it would split the line or hide in it. */
static bool report_has_control(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
    return false;
}

/* One shell word that a shell reads back byte for byte: bare when it is plain, in single
 * quotes when it holds blanks or shell characters, and in ANSI-C quotes ($'...': bash, zsh,
 * ksh, POSIX.1-2024 sh) when it holds control characters, each written as an escape. */
void report_shell_word(FILE *out, const char *s) {
    bool plain = *s != 0;
    for (const char *p = s; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("._=,:/+-@%", *p) != NULL;
    if (plain) {
        fputs(s, out);
        return;
    }
    if (report_has_control(s)) {
        fputs("$'", out);
        for (; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '\'' || c == '\\') fprintf(out, "\\%c", c);
            else if (c == '\t') fputs("\\t", out);
            else if (c == '\n') fputs("\\n", out);
            else if (c == '\r') fputs("\\r", out);
            else if (c < 0x20 || c == 0x7f) fprintf(out, "\\x%02x", c);
            else fputc(c, out);
        }
        fputc('\'', out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", out);
        else fputc(*s, out);
    }
    fputc('\'', out);
}

/* True when f holds exactly the line (without its newline). */
static bool report_file_has_line(FILE *f, const char *line) {
    char buf[1024];
    rewind(f);
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = 0;
        if (strcmp(buf, line) == 0) return true;
    }
    return false;
}

#define REPORT_REPLAY_WORDS_MAX 1024 /* key=value words of one replay line */

/* The words of a replay line, each an owned "key=value" as a command-line argument reads it:
 * raw, not escaped as a .properties file writes it (an argument's value is taken literally). */
typedef struct report_words {
    char *w[REPORT_REPLAY_WORDS_MAX]; /* owned */
    int n;                            /* entries of w */
} report_words;

static void report_words_add(report_words *ws, const char *text) {
    size_t len = strlen(text);
    char *copy = ws->n < REPORT_REPLAY_WORDS_MAX ? malloc(len + 1) : NULL;
    if (!copy) return; /* the load-back check then fails and says so by a longer line */
    memcpy(copy, text, len + 1);
    ws->w[ws->n++] = copy;
}

static void report_words_free(report_words *ws) {
    for (int i = 0; i < ws->n; i++) free(ws->w[i]);
    ws->n = 0;
}

/* Collects the keys of c that differ from base (config_write's lines, the i-th key line being
 * key i of the table), and with explicit_too every key the user set as well; then each fault
 * line as the user typed it. */
static void report_replay_collect(const config *c, FILE *mine, FILE *base, int base_version,
                                  bool explicit_too, report_words *ws) {
    char line[1024];
    size_t key = 0;
    rewind(mine);
    while (fgets(line, sizeof line, mine)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 0 || line[0] == '#' || !strchr(line, '=')) continue;
        if (strncmp(line, "fault.", 6) == 0) continue; /* below, unescaped */
        bool user = key < sizeof c->set_by_user && c->set_by_user[key];
        key++;
        if (strncmp(line, "sim.seed=", 9) == 0) continue; /* --seed */
        bool version = strncmp(line, "kafka.version=", 14) == 0;
        bool differs = version ? c->kafka_version != base_version : !report_file_has_line(base, line);
        if (differs || (explicit_too && user)) report_words_add(ws, line);
    }
    for (int i = 0; i < c->fault_count; i++) {
        char word[CONFIG_FAULT_NAME_MAX + CONFIG_FAULT_TEXT_MAX + 8];
        snprintf(word, sizeof word, "fault.%s=%s", c->faults[i].name, c->faults[i].text);
        report_words_add(ws, word);
    }
}

/* True when the words, given to `kafkasim run` with the run's seed, make c again. */
static bool report_replay_loads_back(const config *c, report_words *ws) {
    config *again = malloc(sizeof *again);
    char err[512];
    bool same = again && cli_load_config(again, ws->w, ws->n, err, sizeof err) == 0;
    if (same) {
        again->seed = c->seed;
        same = config_hash(again) == config_hash(c);
    }
    free(again);
    return same;
}

int report_replay_args(FILE *out, const config *c) {
    config *defaults = malloc(sizeof *defaults); /* large: not on the stack */
    report_words ws = {.n = 0};
    if (!defaults) return 0;
    config_defaults(defaults, 0);
    int base_version = defaults->kafka_version;
    config_defaults(defaults, c->kafka_version);
    char err[256];
    (void)config_finish(defaults, err, sizeof err); /* derived values, as the run had them */
    FILE *mine = tmpfile(), *base = tmpfile();
    if (!mine || !base) goto done;
    config_write(c, mine);
    config_write(defaults, base);
    /* The short line names the keys that differ from the defaults. A key set explicitly to its
     * default can still matter: Kafka's validation derives other values from whether a key was
     * set (enable.idempotence=true with acks=1 is refused or, allowed, kept; left to its default
     * it is switched off). When the short line does not make the same configuration again,
     * every key the user set is named too. */
    report_replay_collect(c, mine, base, base_version, false, &ws);
    if (!report_replay_loads_back(c, &ws)) {
        report_words_free(&ws);
        report_replay_collect(c, mine, base, base_version, true, &ws);
    }
    for (int i = 0; i < ws.n; i++) {
        if (i) fputc(' ', out);
        report_shell_word(out, ws.w[i]);
    }
done:
    if (mine) fclose(mine);
    if (base) fclose(base);
    free(defaults);
    int n = ws.n;
    report_words_free(&ws);
    return n;
}

/* ---- Warnings ----------------------------------------------------------------------------- */

/* Why fault f did not fire, when the configuration or the run tells: "" otherwise. */
static void report_fault_hint(const run_result *r, const fault_spec *f, char *buf, size_t len) {
    char node[FAULT_PARTITION_NAME_MAX + 16], at[32], end[32];
    bool rule = f->kind == FAULT_DROP || f->kind == FAULT_DELAY || f->kind == FAULT_BREAK;
    buf[0] = 0;
    sim_time_format(r->sim_time_ns, end, sizeof end);
    if (f->on_step) {
        snprintf(buf, len, ": fewer than %u %s steps happened on the %s", (unsigned)f->step_n,
                 proto_step_name(f->step), fault_target_name(&f->a, node, sizeof node));
    } else if (!rule && f->at_ns >= r->sim_time_ns) {
        sim_time_format(f->at_ns, at, sizeof at);
        snprintf(buf, len, ": it was due at %s, after the run ended at %s", at, end);
    } else if (rule && f->from_ns >= r->sim_time_ns) {
        sim_time_format(f->from_ns, at, sizeof at);
        snprintf(buf, len, ": its window opens at %s, after the run ended at %s", at, end);
    }
}

int report_warnings(const config *c, const run_result *r, report_warning_fn fn, void *ctx) {
    int n = 0;
    if (!c) return 0;
    for (int i = 0; i < c->fault_count && i < 64; i++) {
        const config_fault *cf = &c->faults[i];
        fault_spec f;
        char err[256], hint[160], text[512];
        if (fault_parse(cf->text, &f, err, sizeof err) != 0) continue;
        const char *idle = fault_spec_idle_reason(&f);
        bool fired = (r->check.faults_fired_mask >> i) & 1u;
        if (idle)
            snprintf(text, sizeof text, "fault.%s (%s) can never fire: %s", cf->name, cf->text,
                     idle);
        else if (!fired) {
            report_fault_hint(r, &f, hint, sizeof hint);
            snprintf(text, sizeof text, "fault.%s (%s) never fired%s; the run did not test it",
                     cf->name, cf->text, hint);
        } else continue;
        fn(ctx, text);
        n++;
    }
    return n;
}

static void report_warning_text(void *ctx, const char *text) {
    fprintf(ctx, "warning    %s\n", text);
}

/* ---- Text --------------------------------------------------------------------------------- */

static const char *report_plural(uint64_t n, const char *one, const char *many) {
    return n == 1 ? one : many;
}

/* A transactional run's anomalies beyond the records' (txn_checker.h): each with its count
 * and unit, and Jepsen's name where Jepsen has one. An aborted read is one only at
 * read_committed: read_uncommitted returns aborted records by design. */
typedef struct report_txn_anomaly {
    const char *field;
    uint64_t n;
    const char *one, *many; /* its unit */
    const char *jepsen;     /* NULL: Jepsen has no name for it */
} report_txn_anomaly;

#define REPORT_TXN_ANOMALIES_MAX 9 /* transaction and pipeline anomalies */

/* The anomalies beyond the records' of a transactional run and of a run with consumers. */
static size_t report_txn_anomalies(const checker_result *k, report_txn_anomaly *v) {
    size_t n = 0;
    if (k->consumers) {
        v[n++] = (report_txn_anomaly){"processed_twice", k->processed_twice, "input record",
                                      "input records", NULL};
        v[n++] = (report_txn_anomaly){"processed_never", k->processed_never, "input record",
                                      "input records", NULL};
        v[n++] = (report_txn_anomaly){"output_duplicates", k->output_duplicates, "record",
                                      "records", NULL};
        v[n++] = (report_txn_anomaly){"output_missing", k->output_missing, "input record",
                                      "input records", NULL};
    }
    if (!k->transactional) return n;
    if (k->read_committed)
        v[n++] = (report_txn_anomaly){"aborted_read", k->aborted_read, "record", "records", "G1a"};
    v[n++] = (report_txn_anomaly){"atomicity_violations", k->atomicity_violations,
                                  "transaction", "transactions", NULL};
    v[n++] = (report_txn_anomaly){"zombie_writes", k->zombie_writes, "record", "records", NULL};
    v[n++] = (report_txn_anomaly){"lost_commits", k->lost_commits, "transaction",
                                  "transactions", NULL};
    v[n++] = (report_txn_anomaly){"hanging_transactions", k->hanging_transactions,
                                  "transaction", "transactions", NULL};
    return n;
}

/* "verdict  duplicates: 3 records (Jepsen: duplicate); ..." or a clean bill. */
static void report_text_verdict(FILE *out, const run_result *r) {
    static const checker_anomaly kinds[] = {CHECKER_LOST_ACKED, CHECKER_DUPLICATE,
                                            CHECKER_REORDERED, CHECKER_FAILED_BUT_WRITTEN,
                                            CHECKER_UNEXPECTED};
    const checker_result *k = &r->check;
    const uint64_t counts[] = {k->lost_acked, k->duplicates, k->reordered,
                               k->failed_but_written, k->unexpected};
    if (r->invariant_broken) fprintf(out, "verdict    RUN FAILED: %s\n", r->failure);
    bool any = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (counts[i] == 0) continue;
        fprintf(out, "%s %s: %" PRIu64 " %s (Jepsen: %s)", any ? ";" : "verdict   ",
                checker_anomaly_field(kinds[i]), counts[i],
                report_plural(counts[i], "record", "records"), checker_anomaly_jepsen(kinds[i]));
        any = true;
    }
    report_txn_anomaly txn[REPORT_TXN_ANOMALIES_MAX];
    size_t txn_count = report_txn_anomalies(k, txn);
    for (size_t i = 0; i < txn_count; i++) {
        if (txn[i].n == 0) continue;
        fprintf(out, "%s %s: %" PRIu64 " %s", any ? ";" : "verdict   ", txn[i].field, txn[i].n,
                report_plural(txn[i].n, txn[i].one, txn[i].many));
        if (txn[i].jepsen) fprintf(out, " (Jepsen: %s)", txn[i].jepsen);
        any = true;
    }
    if (any) {
        fputc('\n', out);
        return;
    }
    fputs("verdict    no anomaly: no lost-write, duplicate or nonmonotonic-send", out);
    if (k->transactional) fputs("; no aborted read, torn, zombie, lost or hanging transaction", out);
    if (k->consumers)
        fputs("; no duplicate or lost processing, no duplicate or missing output", out);
    fputc('\n', out);
}

/* "transactions read_committed view: 10 committed, 2 aborted; aborted_read 0, ...": only in a
 * transactional run. */
static void report_text_transactions(FILE *out, const checker_result *k) {
    if (!k->transactional) return;
    fprintf(out, "transactions %s view: %" PRIu64 " committed, %" PRIu64 " aborted; aborted_read %"
                 PRIu64 "%s, atomicity_violations %" PRIu64 ", zombie_writes %" PRIu64
                 ", lost_commits %" PRIu64 ", hanging_transactions %" PRIu64 "\n",
            k->read_committed ? "read_committed" : "read_uncommitted", k->transactions_committed,
            k->transactions_aborted, k->aborted_read,
            k->read_committed || k->aborted_read == 0
                ? ""
                : " (read_uncommitted returns aborted records by design)",
            k->atomicity_violations, k->zombie_writes, k->lost_commits,
            k->hanging_transactions);
}

/* "pipeline   sink ledger: processed 10, processed_twice 2, ...; output ledger (read_committed):
 * ...": only in a run with consumers. */
static void report_text_pipeline(FILE *out, const config *c, const checker_result *k) {
    if (!k->consumers) return;
    fputs("pipeline   ", out);
    if (c && c->sink == CONFIG_SINK_NONE)
        fputs("no sink (workload.sink=none)", out);
    else
        fprintf(out, "sink ledger: processed %" PRIu64 ", processed_twice %" PRIu64
                     ", processed_never %" PRIu64, k->processed, k->processed_twice,
                k->processed_never);
    fprintf(out, "; output ledger (read_committed): output_duplicates %" PRIu64
                 ", output_missing %" PRIu64 "; rebalances %" PRIu64 ", reprocessed %" PRIu64
                 ", unconsumed %" PRIu64 "\n",
            k->output_duplicates, k->output_missing, k->rebalances, k->reprocessed,
            k->unconsumed);
}

/* Kafka's codes count failed answers (one per batch for Produce, one per request otherwise);
 * the client's own outcomes (codes from 1000: a delivery timeout, a closed producer) count
 * record callbacks. The line says which is which. */
static void report_text_errors(FILE *out, const checker_result *k) {
    fputs("errors    ", out);
    bool first = true;
    for (int part = 0; part < 2; part++) {
        bool opened = false;
        for (int code = part ? 1000 : 0; code < (part ? PROTO_ERROR_CODES_MAX : 1000); code++) {
            if (k->errors[code] == 0) continue;
            if (!opened)
                fputs(first ? (part ? " in record callbacks:" : " in answers:")
                            : (part ? "; in record callbacks:" : ""), out);
            fprintf(out, "%s %s %" PRIu64, opened ? "," : "", proto_error_name(code),
                    k->errors[code]);
            opened = true;
            first = false;
        }
    }
    fputs(first ? " none\n" : "\n", out);
}

/* "faults     2 configured, 1 fired (drop1); crash1 never fired". */
static void report_text_faults(FILE *out, const config *c, const checker_result *k) {
    if (k->faults_configured == 0) {
        fputs("faults     none configured\n", out);
        return;
    }
    if (k->faults_fired == 0) {
        fprintf(out, "faults     faults configured but none fired (%" PRIu64 " configured): the "
                     "run tested none of them\n", k->faults_configured);
        return;
    }
    fprintf(out, "faults     %" PRIu64 " configured, %" PRIu64 " fired", k->faults_configured,
            k->faults_fired);
    int count = c ? c->fault_count : 0;
    bool first = true;
    for (int i = 0; i < count && i < 64; i++) {
        bool fired = (k->faults_fired_mask >> i) & 1u;
        if (!fired) continue;
        fprintf(out, "%s%s", first ? " (" : ", ", c->faults[i].name);
        first = false;
    }
    if (!first) fputc(')', out);
    for (int i = 0; i < count && i < 64; i++)
        if (!((k->faults_fired_mask >> i) & 1u))
            fprintf(out, "; %s never fired", c->faults[i].name);
    if (k->messages_dropped)
        fprintf(out, "; %" PRIu64 " messages dropped", k->messages_dropped);
    fputc('\n', out);
}

static void report_text_latency(FILE *out, const checker_result *k) {
    if (k->latency_max_ns < 0) {
        fputs("latency    no callback\n", out);
        return;
    }
    fputs("latency    p50 ", out);
    report_write_ms(out, k->latency_p50_ns);
    fputs(" ms, p99 ", out);
    report_write_ms(out, k->latency_p99_ns);
    fputs(" ms, max ", out);
    report_write_ms(out, k->latency_max_ns);
    fputs(" ms (send to callback)\n", out);
}

/* "not modelled  compression.type, client.id (...)": Kafka keys the run accepted and ignored. */
static void report_text_not_modelled(FILE *out, const config *c) {
    if (!c || c->not_modelled_count == 0) return;
    fputs("not modelled ", out);
    int kept = c->not_modelled_count < CONFIG_NOT_MODELLED_MAX ? c->not_modelled_count
                                                               : CONFIG_NOT_MODELLED_MAX;
    for (int i = 0; i < kept; i++) fprintf(out, "%s%s", i ? ", " : "", c->not_modelled[i]);
    if (c->not_modelled_count > kept) fprintf(out, " and %d more", c->not_modelled_count - kept);
    fputs(" (Kafka keys accepted without effect on the run)\n", out);
}

#define REPORT_PARTITIONS_NAMED 12 /* partitions the text names before "and N more" */

/* "partitions 12, 11 with records; anomalies on orders-3 (lost_acked 5), orders-7
 * (duplicates 1)": only in a world of several partitions. */
static void report_text_partitions(FILE *out, const config *c, const run_result *r) {
    size_t n = report_partitions(r);
    if (n == 0 || !c) return;
    fprintf(out, "partitions %zu, %u with records or lost writes", n, r->check.partitions_touched);
    size_t named = 0, more = 0;
    for (size_t g = 0; g < n; g++) {
        const checker_partition *p = &r->by_partition[g];
        if (p->duplicates + p->reordered + p->lost_acked == 0) continue;
        if (named == REPORT_PARTITIONS_NAMED) {
            more++;
            continue;
        }
        char name[FAULT_PARTITION_NAME_MAX];
        fprintf(out, "%s%s (", named ? ", " : "; anomalies on ",
                report_partition_name(c, g, name, sizeof name));
        const char *sep = "";
        const struct { const char *field; uint64_t n; } counts[] = {
            {"lost_acked", p->lost_acked}, {"duplicates", p->duplicates},
            {"reordered", p->reordered}};
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            if (counts[k].n == 0) continue;
            fprintf(out, "%s%s %" PRIu64, sep, counts[k].field, counts[k].n);
            sep = ", ";
        }
        fputc(')', out);
        named++;
    }
    if (more) fprintf(out, " and %zu more", more);
    fputs(named ? "\n" : "; no anomaly on any\n", out);
}

void report_text(FILE *out, const config *c, const run_result *r) {
    const checker_result *k = &r->check;
    report_text_verdict(out, r);
    fprintf(out, "records    %" PRIu64 " to send; %" PRIu64 " sends (one record each, resends "
                 "included): %" PRIu64 " acked, %" PRIu64 " failed, %" PRIu64 " unanswered; %"
                 PRIu64 " records committed\n",
            k->records, k->sends, k->acked, k->failed, k->unanswered, k->committed);
    fprintf(out, "anomalies  in records: duplicates %" PRIu64 ", reordered %" PRIu64
                 ", lost_acked %" PRIu64 ", failed_but_written %" PRIu64 ", unexpected %" PRIu64
                 "\n",
            k->duplicates, k->reordered, k->lost_acked, k->failed_but_written, k->unexpected);
    report_text_transactions(out, k);
    report_text_pipeline(out, c, k);
    report_text_partitions(out, c, r);
    fprintf(out, "producer   in batches: retries %" PRIu64 ", deduplicated %" PRIu64
                 ", expired %" PRIu64 "; epoch bumps %" PRIu64 "\n",
            k->retries, k->deduplicated, k->expired, k->epoch_bumps);
    fprintf(out, "cluster    leader elections %" PRIu64 " (%" PRIu64 " unclean), truncated %" PRIu64
                 " %s\n",
            k->leader_elections, k->unclean_elections, k->truncated,
            report_plural(k->truncated, "record", "records"));
    report_text_errors(out, k);
    report_text_faults(out, c, k);
    report_warnings(c, r, report_warning_text, out);
    report_text_latency(out, k);
    report_text_not_modelled(out, c);
    fprintf(out, "run        %s (%s), sim time ", r->invariant_broken ? "failed" : "ok",
            sim_status_name(r->status));
    report_write_ms(out, r->sim_time_ns);
    fprintf(out, " ms, %" PRIu64 " events, trace hash 0x%016" PRIx64 ", config hash 0x%016" PRIx64
                 "\n",
            r->events, r->trace_hash, r->config_hash);
    if (!r->settled && !r->invariant_broken)
        fputs("settle     replication never caught up: the final leader's high watermark stayed "
              "below its log end, and records above it count as not committed\n",
              out);
    fputs("replay     kafkasim run ", out);
    if (c && report_replay_args(out, c) > 0) fputc(' ', out);
    fprintf(out, "--seed %" PRIu64 "\n", r->seed);
}
