/*
 * sweep_spec.c: reads a sweep spec into a sweep_spec (see sweep_spec.h for the syntax).
 *
 * Invariants: axis values and seeds are expanded once, here; a cell is a mixed-radix number
 * over the axes (first axis slowest); substitution of ${name} happens when a cell's properties
 * are built, so the spec keeps the text as written.
 *
 * An empty spec or base file (nothing but blanks) is an error, as an empty scenario file is for
 * `kafkasim run` (cli/load.c): almost always a truncated or misnamed file. A range is counted
 * before it is expanded, so a hostile "1..99999999999" is refused without allocating.
 *
 * Left out: nested substitution (a value of ${a} that itself holds ${b} is not expanded again)
 * and arithmetic in ${...}. A '$' not followed by '{' is plain text.
 *
 * Properties are handed to config_apply through props_read_text_at, one property per call,
 * placed on the line it came from, so that every message of config_apply names the spec's
 * file:line and not a made-up one (and a spec of n lines builds a cell in O(n), not O(n^2)).
 */
#include "sweep_spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* ==== Small helpers ========================================================================== */

static char *spec_strdup(const char *text) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy) memcpy(copy, text, len + 1);
    return copy;
}

static int spec_fail(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* A growable byte buffer; NUL-terminated whenever len > 0. */
typedef struct spec_buf {
    char *data;             /* owned */
    size_t len;             /* bytes used, NUL excluded */
    size_t capacity;        /* bytes allocated */
} spec_buf;

static int spec_buf_put(spec_buf *b, const char *text, size_t len) {
    if (b->len + len + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 64;
        while (capacity < b->len + len + 1) capacity *= 2;
        char *grown = realloc(b->data, capacity);
        if (!grown) return -1;
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

static int spec_buf_puts(spec_buf *b, const char *text) { return spec_buf_put(b, text, strlen(text)); }

uint64_t sweep_fnv1a(uint64_t h, const void *data, size_t len) {
    const unsigned char *bytes = data;
    for (size_t i = 0; i < len; i++) {
        h ^= bytes[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static const char *spec_trim(char *text) {
    while (*text == ' ' || *text == '\t') text++;
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t')) text[--len] = '\0';
    return text;
}

/* A scenario key is one of config's table, or fault.<name>; anything else is a variable. */
static bool spec_is_scenario_key(const char *key) {
    if (strncmp(key, "fault.", 6) == 0 && key[6] != '\0') return true;
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(keys[i].name, key) == 0) return true;
    }
    return false;
}

/* ==== Numbers and ranges ===================================================================== */

#define SPEC_DECIMALS_MAX 9

/* A decimal in fixed point: value = mantissa / 10^decimals. */
typedef struct spec_decimal {
    int64_t mantissa;       /* scaled value */
    int decimals;           /* digits after the point as written */
} spec_decimal;

/* Parses [-]digits[.digits] filling all of text. Returns 0, or -1 when text is not one. */
static int spec_decimal_parse(const char *text, spec_decimal *out) {
    const char *p = text;
    bool negative = (*p == '-');
    if (negative) p++;
    if (*p < '0' || *p > '9') return -1;
    int64_t mantissa = 0;
    int decimals = -1;
    for (; *p; p++) {
        if (*p == '.' && decimals < 0) {
            decimals = 0;
            continue;
        }
        if (*p < '0' || *p > '9') return -1;
        if (mantissa > (INT64_MAX - 9) / 10) return -1;
        mantissa = mantissa * 10 + (*p - '0');
        if (decimals >= 0 && ++decimals > SPEC_DECIMALS_MAX) return -1;
    }
    if (decimals == 0) return -1; /* "1." */
    out->mantissa = negative ? -mantissa : mantissa;
    out->decimals = decimals < 0 ? 0 : decimals;
    return 0;
}

/* Rescales d to decimals places (decimals >= d->decimals). -1 on overflow. */
static int spec_decimal_scale(spec_decimal *d, int decimals) {
    for (; d->decimals < decimals; d->decimals++) {
        if (d->mantissa > INT64_MAX / 10 || d->mantissa < INT64_MIN / 10) return -1;
        d->mantissa *= 10;
    }
    return 0;
}

static void spec_decimal_format(int64_t mantissa, int decimals, char *buf, size_t len) {
    if (decimals == 0) {
        snprintf(buf, len, "%" PRId64, mantissa);
        return;
    }
    int64_t unit = 1;
    for (int i = 0; i < decimals; i++) unit *= 10;
    uint64_t magnitude = mantissa < 0 ? (uint64_t)0 - (uint64_t)mantissa : (uint64_t)mantissa;
    snprintf(buf, len, "%s%" PRIu64 ".%0*" PRIu64, mantissa < 0 ? "-" : "",
             magnitude / (uint64_t)unit, decimals, magnitude % (uint64_t)unit);
}

/* A list being filled: values of an axis, or seeds as text first. */
typedef struct spec_list {
    char **items;           /* owned strings */
    size_t count;           /* items used */
    size_t capacity;        /* items allocated */
    size_t max;             /* the limit on count */
} spec_list;

static int spec_list_push(spec_list *l, char *item) {
    if (!item) return -1;
    if (l->count == l->capacity) {
        size_t capacity = l->capacity ? l->capacity * 2 : 8;
        char **grown = realloc(l->items, capacity * sizeof *grown);
        if (!grown) {
            free(item);
            return -1;
        }
        l->items = grown;
        l->capacity = capacity;
    }
    l->items[l->count++] = item;
    return 0;
}

static void spec_list_free(spec_list *l) {
    for (size_t i = 0; i < l->count; i++) free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* Expands "A..B" or "A..B:STEP" into l. Returns 0, 1 when text is not a range at all, or -1
 * with a message (where names file:line: key). */
static int spec_range_expand(const char *text, spec_list *l, const char *where, char *err,
                             size_t err_len) {
    const char *dots = strstr(text, "..");
    if (!dots) return 1;
    char first[64], last[64], step[64] = "1";
    size_t first_len = (size_t)(dots - text);
    const char *colon = strchr(dots + 2, ':');
    size_t last_len = colon ? (size_t)(colon - dots - 2) : strlen(dots + 2);
    spec_decimal a, b, s;
    if (first_len >= sizeof first) return 1;
    memcpy(first, text, first_len);
    first[first_len] = '\0';
    if (spec_decimal_parse(first, &a) != 0) return 1; /* "leader..x" is text, not a range */
    if (last_len >= sizeof last || (colon && strlen(colon + 1) >= sizeof step)) goto bad;
    memcpy(last, dots + 2, last_len);
    last[last_len] = '\0';
    if (colon) strcpy(step, colon + 1);
    if (spec_decimal_parse(last, &b) != 0 || spec_decimal_parse(step, &s) != 0) goto bad;
    int decimals = a.decimals > b.decimals ? a.decimals : b.decimals;
    if (s.decimals > decimals) decimals = s.decimals;
    if (spec_decimal_scale(&a, decimals) || spec_decimal_scale(&b, decimals) ||
        spec_decimal_scale(&s, decimals))
        goto bad;
    if (s.mantissa <= 0 || a.mantissa > b.mantissa) {
        return spec_fail(err, err_len, "%s: range '%s': allowed: A..B or A..B:STEP with A <= B "
                         "and STEP > 0", where, text);
    }
    /* Counted before anything is expanded, so a range of 10^11 values is refused at once. */
    uint64_t values = ((uint64_t)b.mantissa - (uint64_t)a.mantissa) / (uint64_t)s.mantissa + 1;
    if (values > l->max - l->count) {
        return spec_fail(err, err_len, "%s: range '%s' has more than %zu values", where, text,
                         l->max);
    }
    for (int64_t v = a.mantissa; v <= b.mantissa; v += s.mantissa) {
        char buf[48];
        if (l->count >= l->max) {
            return spec_fail(err, err_len, "%s: range '%s' has more than %zu values", where,
                             text, l->max);
        }
        spec_decimal_format(v, decimals, buf, sizeof buf);
        if (spec_list_push(l, spec_strdup(buf)) != 0) return spec_fail(err, err_len, "out of memory");
        if (v > INT64_MAX - s.mantissa) break;
    }
    return 0;
bad:
    return spec_fail(err, err_len, "%s: range '%s': allowed: A..B or A..B:STEP, numbers with at "
                     "most %d decimals", where, text, SPEC_DECIMALS_MAX);
}

/* Splits a comma-separated list of literals and ranges into l. */
static int spec_list_parse(const char *value, spec_list *l, const char *where, char *err,
                           size_t err_len) {
    char *copy = spec_strdup(value);
    if (!copy) return spec_fail(err, err_len, "out of memory");
    int rc = 0;
    char *cursor = copy;
    for (;;) {
        char *comma = strchr(cursor, ',');
        if (comma) *comma = '\0';
        const char *item = spec_trim(cursor);
        if (*item == '\0') {
            rc = spec_fail(err, err_len, "%s: empty value in list '%s'; allowed: values and "
                           "ranges A..B[:STEP] separated by commas", where, value);
            break;
        }
        rc = spec_range_expand(item, l, where, err, err_len);
        if (rc < 0) break;
        if (rc == 1) {
            rc = 0;
            if (l->count >= l->max) {
                rc = spec_fail(err, err_len, "%s: more than %zu values", where, l->max);
                break;
            }
            if (spec_list_push(l, spec_strdup(item)) != 0) {
                rc = spec_fail(err, err_len, "out of memory");
                break;
            }
        }
        if (!comma) break;
        cursor = comma + 1;
    }
    free(copy);
    return rc;
}

/* ==== Substitution =========================================================================== */

/* Finds the axis called name[0..len). */
static int spec_axis_find(const sweep_spec *s, const char *name, size_t len) {
    for (size_t i = 0; i < s->axis_count; i++) {
        if (strlen(s->axes[i].name) == len && memcmp(s->axes[i].name, name, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Checks every ${name} of text: it must be closed and name an axis; marks used axes. */
static int spec_refs_check(const sweep_spec *s, const char *text, bool *used, const char *where,
                           char *err, size_t err_len) {
    for (const char *p = strstr(text, "${"); p; p = strstr(p + 2, "${")) {
        const char *close = strchr(p + 2, '}');
        if (!close) {
            return spec_fail(err, err_len, "%s: unterminated ${ in '%s'; allowed: ${axis}", where,
                             text);
        }
        int axis = spec_axis_find(s, p + 2, (size_t)(close - p - 2));
        if (axis < 0) {
            return spec_fail(err, err_len, "%s: ${%.*s} names no axis; allowed: ${name} for an "
                             "axis.name of this spec", where, (int)(close - p - 2), p + 2);
        }
        used[axis] = true;
    }
    return 0;
}

/* Appends text with each ${name} replaced by the cell's value of that axis. */
static int spec_substitute(const sweep_spec *s, size_t cell, const char *text, spec_buf *out) {
    const char *p = text;
    for (const char *ref = strstr(p, "${"); ref; ref = strstr(p, "${")) {
        const char *close = strchr(ref + 2, '}');
        int axis = close ? spec_axis_find(s, ref + 2, (size_t)(close - ref - 2)) : -1;
        if (axis < 0) break; /* checked at parse time; kept literal if ever reached */
        if (spec_buf_put(out, p, (size_t)(ref - p)) != 0) return -1;
        if (spec_buf_puts(out, sweep_spec_cell_value(s, cell, (size_t)axis)) != 0) return -1;
        p = close + 1;
    }
    return spec_buf_puts(out, p);
}

/* ==== Parsing ================================================================================ */

void sweep_spec_init(sweep_spec *s) {
    memset(s, 0, sizeof *s);
    props_init(&s->base);
    s->plot_x = -1;
    s->plot_series = -1;
}

void sweep_spec_fini(sweep_spec *s) {
    free(s->path);
    free(s->base_path);
    props_fini(&s->base);
    for (size_t i = 0; i < s->set_count; i++) {
        free(s->sets[i].key);
        free(s->sets[i].value);
    }
    free(s->sets);
    for (size_t i = 0; i < s->axis_count; i++) {
        for (size_t v = 0; v < s->axes[i].value_count; v++) free(s->axes[i].values[v]);
        free(s->axes[i].values);
        free(s->axes[i].name);
    }
    free(s->seeds);
    for (size_t i = 0; i < s->plot_y_count; i++) free(s->plot_y[i]);
    memset(s, 0, sizeof *s);
}

static int spec_set_add(sweep_spec *s, const prop *p, char *err, size_t err_len) {
    const char *key = p->key + 4;
    if (!spec_is_scenario_key(key) || strcmp(key, "sim.seed") == 0) {
        return spec_fail(err, err_len, "%s:%d: %s: '%s' is not a scenario key; allowed: set.KEY "
                         "for a key of `kafkasim config` or fault.NAME (seeds sets sim.seed)",
                         p->file, p->line, p->key, key);
    }
    if (s->set_count == s->set_capacity) { /* doubling: a spec of n set.* lines reads in O(n) */
        size_t capacity = s->set_capacity ? s->set_capacity * 2 : 16;
        sweep_set *grown = realloc(s->sets, capacity * sizeof *grown);
        if (!grown) return spec_fail(err, err_len, "out of memory");
        s->sets = grown;
        s->set_capacity = capacity;
    }
    sweep_set *set = &s->sets[s->set_count];
    set->key = spec_strdup(key);
    set->value = spec_strdup(p->value);
    set->line = p->line;
    s->set_count++;
    if (!set->key || !set->value) return spec_fail(err, err_len, "out of memory");
    return 0;
}

static int spec_axis_add(sweep_spec *s, const prop *p, char *err, size_t err_len) {
    const char *name = p->key + 5;
    char where[512];
    snprintf(where, sizeof where, "%s:%d: %s", p->file, p->line, p->key);
    if (*name == '\0' || strcmp(name, "sim.seed") == 0 || strpbrk(name, "{}$,")) {
        return spec_fail(err, err_len, "%s: allowed: axis.KEY or axis.NAME (no '$', '{', '}', "
                         "','; seeds sets sim.seed)", where);
    }
    if (spec_axis_find(s, name, strlen(name)) >= 0) {
        return spec_fail(err, err_len, "%s: axis given twice; allowed: one axis.%s", where, name);
    }
    if (s->axis_count == SWEEP_AXES_MAX) {
        return spec_fail(err, err_len, "%s: more than %d axes", where, SWEEP_AXES_MAX);
    }
    sweep_axis *axis = &s->axes[s->axis_count++];
    spec_list l = {.max = SWEEP_AXIS_VALUES_MAX};
    axis->name = spec_strdup(name);
    axis->is_key = spec_is_scenario_key(name);
    axis->line = p->line;
    if (!axis->name) return spec_fail(err, err_len, "out of memory");
    int rc = spec_list_parse(p->value, &l, where, err, err_len);
    axis->values = l.items;
    axis->value_count = l.count;
    axis->value_capacity = l.capacity;
    return rc;
}

static int spec_u64_compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Two runs with one seed in one cell would be the same run twice: rejected. */
static int spec_seeds_unique(const sweep_spec *s, const char *where, char *err, size_t err_len) {
    uint64_t *sorted = malloc(s->seed_count * sizeof *sorted);
    if (!sorted) return spec_fail(err, err_len, "out of memory");
    memcpy(sorted, s->seeds, s->seed_count * sizeof *sorted);
    qsort(sorted, s->seed_count, sizeof *sorted, spec_u64_compare);
    int rc = 0;
    for (size_t i = 1; i < s->seed_count && rc == 0; i++) {
        if (sorted[i] == sorted[i - 1]) {
            rc = spec_fail(err, err_len, "%s: seed %" PRIu64 " listed twice; allowed: each seed "
                           "once", where, sorted[i]);
        }
    }
    free(sorted);
    return rc;
}

static int spec_seeds_parse(sweep_spec *s, const prop *p, char *err, size_t err_len) {
    char where[512];
    spec_list l = {.max = SWEEP_SEEDS_MAX};
    snprintf(where, sizeof where, "%s:%d: seeds", p ? p->file : s->path, p ? p->line : 0);
    int rc = spec_list_parse(p ? p->value : "1", &l, where, err, err_len);
    s->seeds = rc == 0 ? malloc((l.count ? l.count : 1) * sizeof *s->seeds) : NULL;
    if (rc == 0 && !s->seeds) rc = spec_fail(err, err_len, "out of memory");
    for (size_t i = 0; rc == 0 && i < l.count; i++) {
        char *end = NULL;
        errno = 0;
        unsigned long long seed = strtoull(l.items[i], &end, 10);
        if (l.items[i][0] < '0' || l.items[i][0] > '9' || *end != '\0' || errno == ERANGE) {
            rc = spec_fail(err, err_len, "%s: '%s' is not a seed; allowed: unsigned integers "
                           "and ranges A..B[:STEP]", where, l.items[i]);
            break;
        }
        s->seeds[s->seed_count++] = seed;
    }
    s->seeds_line = p ? p->line : 0;
    spec_list_free(&l);
    if (rc == 0) rc = spec_seeds_unique(s, where, err, err_len);
    return rc;
}

static int spec_plot_axis(const sweep_spec *s, const prop *p, int *out, char *err,
                          size_t err_len) {
    int axis = spec_axis_find(s, p->value, strlen(p->value));
    if (axis < 0) {
        return spec_fail(err, err_len, "%s:%d: %s: '%s' is not an axis; allowed: the name of an "
                         "axis.NAME of this spec", p->file, p->line, p->key, p->value);
    }
    *out = axis;
    return 0;
}

sweep_plot_role sweep_spec_plot_role(const sweep_spec *s, size_t a) {
    if ((int)a == s->plot_x) return SWEEP_PLOT_ROLE_X;
    if ((int)a == s->plot_series) return SWEEP_PLOT_ROLE_SERIES;
    return s->plot_average[a] ? SWEEP_PLOT_ROLE_AVERAGE : SWEEP_PLOT_ROLE_PANEL;
}

size_t sweep_spec_plot_panels(const sweep_spec *s) {
    size_t panels = 1;
    for (size_t a = 0; a < s->axis_count; a++) {
        if (sweep_spec_plot_role(s, a) != SWEEP_PLOT_ROLE_PANEL) continue;
        panels *= s->axes[a].value_count;
        if (panels > SWEEP_PLOT_PANELS_MAX) return SWEEP_PLOT_PANELS_MAX + 1; /* no wrap */
    }
    return panels;
}

/* plot.average: axes that are neither plot.x nor plot.series, pooled in each point. */
static int spec_plot_average_parse(sweep_spec *s, const prop *p, char *err, size_t err_len) {
    spec_list l = {.max = SWEEP_AXES_MAX};
    char where[512];
    snprintf(where, sizeof where, "%s:%d: plot.average", p->file, p->line);
    int rc = spec_list_parse(p->value, &l, where, err, err_len);
    for (size_t i = 0; rc == 0 && i < l.count; i++) {
        int axis = spec_axis_find(s, l.items[i], strlen(l.items[i]));
        if (axis < 0 || axis == s->plot_x || axis == s->plot_series) {
            rc = spec_fail(err, err_len, "%s: '%s' is not %s; allowed: axes other than plot.x "
                           "and plot.series", where, l.items[i],
                           axis < 0 ? "an axis" : "to be averaged");
            break;
        }
        s->plot_average[axis] = true;
    }
    spec_list_free(&l);
    return rc;
}

/* At most SWEEP_PLOT_PANELS_MAX panels; the message names the axes that make them. */
static int spec_plot_panels_check(const sweep_spec *s, const prop *y, char *err,
                                  size_t err_len) {
    if (sweep_spec_plot_panels(s) <= SWEEP_PLOT_PANELS_MAX) return 0;
    char axes[512] = "";
    for (size_t a = 0, used = 0; a < s->axis_count && used < sizeof axes; a++) {
        if (sweep_spec_plot_role(s, a) != SWEEP_PLOT_ROLE_PANEL) continue;
        used += (size_t)snprintf(axes + used, sizeof axes - used, "%s%s (%zu)", used ? " x " : "",
                                 s->axes[a].name, s->axes[a].value_count);
    }
    return spec_fail(err, err_len, "%s:%d: plot.y: the axes not plotted (%s) make more than %d "
                     "panels; allowed: at most %d, or pool axes with plot.average = AXIS, ...",
                     y->file, y->line, axes, SWEEP_PLOT_PANELS_MAX, SWEEP_PLOT_PANELS_MAX);
}

/* plot.x, plot.y, plot.series, plot.kind, plot.average: checked against the axes (fields are
 * checked by the command, which knows them). */
static int spec_plot_parse(sweep_spec *s, const prop *const plot[5], char *err, size_t err_len) {
    const prop *x = plot[0], *y = plot[1], *series = plot[2], *kind = plot[3];
    if (!y) return 0;
    spec_list l = {.max = SWEEP_PLOT_Y_MAX};
    char where[512];
    snprintf(where, sizeof where, "%s:%d: plot.y", y->file, y->line);
    if (spec_list_parse(y->value, &l, where, err, err_len) != 0) {
        spec_list_free(&l);
        return -1;
    }
    memcpy(s->plot_y, l.items, l.count * sizeof *l.items);
    s->plot_y_count = l.count;
    s->plot_y_line = y->line;
    free(l.items);
    if (!x) return spec_fail(err, err_len, "%s: plot.y needs plot.x; allowed: plot.x = AXIS",
                             where);
    if (spec_plot_axis(s, x, &s->plot_x, err, err_len) != 0) return -1;
    if (series && spec_plot_axis(s, series, &s->plot_series, err, err_len) != 0) return -1;
    if (s->plot_series == s->plot_x) {
        return spec_fail(err, err_len, "%s:%d: plot.series: same axis as plot.x; allowed: "
                         "another axis", series->file, series->line);
    }
    s->plot_kind = SWEEP_PLOT_LINES;
    if (kind && strcmp(kind->value, "heatmap") == 0) {
        s->plot_kind = SWEEP_PLOT_HEATMAP;
        if (!series) {
            return spec_fail(err, err_len, "%s:%d: plot.kind: heatmap needs plot.series (the "
                             "grid is plot.x by plot.series)", kind->file, kind->line);
        }
    } else if (kind && strcmp(kind->value, "lines") != 0) {
        return spec_fail(err, err_len, "%s:%d: plot.kind: '%s'; allowed: lines, heatmap",
                         kind->file, kind->line, kind->value);
    }
    if (plot[4] && spec_plot_average_parse(s, plot[4], err, err_len) != 0) return -1;
    return spec_plot_panels_check(s, y, err, err_len);
}

static int spec_base_read(sweep_spec *s, const prop *p, char *err, size_t err_len) {
    const char *slash = strrchr(s->path, '/');
    size_t dir_len = (p->value[0] == '/' || !slash) ? 0 : (size_t)(slash - s->path) + 1;
    s->base_path = malloc(dir_len + strlen(p->value) + 1);
    if (!s->base_path) return spec_fail(err, err_len, "out of memory");
    memcpy(s->base_path, s->path, dir_len);
    strcpy(s->base_path + dir_len, p->value);
    char inner[768];
    if (props_read_file(&s->base, s->base_path, inner, sizeof inner) != 0) {
        return spec_fail(err, err_len, "%s:%d: base: %s", p->file, p->line, inner);
    }
    if (s->base.count == 0 && props_file_is_blank(s->base_path)) {
        return spec_fail(err, err_len, "%s:%d: base: no properties in %s (an empty file; a "
                         "file with a comment line runs the defaults on purpose)", p->file,
                         p->line, s->base_path);
    }
    return 0;
}

/* Every ${name} names an axis, and every variable axis is used by one. */
static int spec_variables_check(const sweep_spec *s, char *err, size_t err_len) {
    bool used[SWEEP_AXES_MAX] = {false};
    char where[512];
    for (size_t i = 0; i < s->set_count; i++) {
        snprintf(where, sizeof where, "%s:%d: set.%s", s->path, s->sets[i].line, s->sets[i].key);
        if (spec_refs_check(s, s->sets[i].value, used, where, err, err_len) != 0) return -1;
    }
    for (size_t a = 0; a < s->axis_count; a++) {
        if (!s->axes[a].is_key) continue;
        snprintf(where, sizeof where, "%s:%d: axis.%s", s->path, s->axes[a].line, s->axes[a].name);
        for (size_t v = 0; v < s->axes[a].value_count; v++) {
            if (spec_refs_check(s, s->axes[a].values[v], used, where, err, err_len) != 0) return -1;
        }
    }
    for (size_t a = 0; a < s->axis_count; a++) {
        if (s->axes[a].is_key || used[a]) continue;
        return spec_fail(err, err_len, "%s:%d: axis.%s: '%s' is not a scenario key and no "
                         "set.* value uses ${%s}; allowed: a key of `kafkasim config`, fault.NAME, "
                         "or a variable used as ${%s}", s->path, s->axes[a].line, s->axes[a].name,
                         s->axes[a].name, s->axes[a].name, s->axes[a].name);
    }
    return 0;
}

/* Sorts one property into its slot; -1 on an unknown key. */
static int spec_prop_take(sweep_spec *s, const prop *p, const prop **base, const prop **seeds,
                          const prop *plot[5], char *err, size_t err_len) {
    static const char *const plot_keys[5] = {"plot.x", "plot.y", "plot.series", "plot.kind",
                                             "plot.average"};
    if (strcmp(p->key, "base") == 0) {
        *base = p;
        return 0;
    }
    if (strcmp(p->key, "seeds") == 0) {
        *seeds = p;
        return 0;
    }
    for (int i = 0; i < 5; i++) {
        if (strcmp(p->key, plot_keys[i]) == 0) {
            plot[i] = p;
            return 0;
        }
    }
    if (strncmp(p->key, "set.", 4) == 0) return spec_set_add(s, p, err, err_len);
    if (strncmp(p->key, "axis.", 5) == 0) return spec_axis_add(s, p, err, err_len);
    return spec_fail(err, err_len, "%s:%d: %s: unknown key; allowed: base, set.KEY, axis.NAME, "
                     "seeds, plot.x, plot.y, plot.series, plot.kind, plot.average", p->file,
                     p->line, p->key);
}

int sweep_spec_parse(sweep_spec *s, const props *p, const char *path, char *err,
                     size_t err_len) {
    const prop *base = NULL, *seeds = NULL, *plot[5] = {NULL, NULL, NULL, NULL, NULL};
    s->path = spec_strdup(path);
    if (!s->path) return spec_fail(err, err_len, "out of memory");
    for (size_t i = 0; i < p->count; i++) {
        if (spec_prop_take(s, &p->items[i], &base, &seeds, plot, err, err_len) != 0) return -1;
    }
    if (base && spec_base_read(s, base, err, err_len) != 0) return -1;
    if (spec_seeds_parse(s, seeds, err, err_len) != 0) return -1;
    if (spec_variables_check(s, err, err_len) != 0) return -1;
    if (spec_plot_parse(s, plot, err, err_len) != 0) return -1;
    uint64_t runs = s->seed_count;
    for (size_t a = 0; a < s->axis_count; a++) {
        runs *= s->axes[a].value_count; /* each factor <= 10^6, checked before it can wrap */
        if (runs > SWEEP_RUNS_MAX) {
            return spec_fail(err, err_len, "%s:%d: axis.%s: the sweep has more than %llu runs "
                             "(cells x seeds); allowed: fewer values", path, s->axes[a].line,
                             s->axes[a].name, (unsigned long long)SWEEP_RUNS_MAX);
        }
    }
    if (runs > SWEEP_RUNS_MAX) {
        return spec_fail(err, err_len, "%s:%d: seeds: more than %llu runs (cells x seeds)", path,
                         s->seeds_line, (unsigned long long)SWEEP_RUNS_MAX);
    }
    return 0;
}

int sweep_spec_read(sweep_spec *s, const char *path, char *err, size_t err_len) {
    props p;
    props_init(&p);
    int rc = props_read_file(&p, path, err, err_len);
    if (rc == 0 && p.count == 0 && props_file_is_blank(path)) {
        /* As for scenario files (cli/load.c): an empty spec is a mistake, not one default run. */
        rc = spec_fail(err, err_len, "no properties in %s (an empty sweep spec)", path);
    }
    if (rc == 0) rc = sweep_spec_parse(s, &p, path, err, err_len);
    props_fini(&p);
    return rc;
}

/* ==== Cells ================================================================================== */

size_t sweep_spec_cell_count(const sweep_spec *s) {
    size_t cells = 1;
    for (size_t a = 0; a < s->axis_count; a++) cells *= s->axes[a].value_count;
    return cells;
}

void sweep_spec_cell_indexes(const sweep_spec *s, size_t cell, size_t *value_index) {
    for (size_t a = s->axis_count; a-- > 0;) {
        value_index[a] = cell % s->axes[a].value_count;
        cell /= s->axes[a].value_count;
    }
}

const char *sweep_spec_cell_value(const sweep_spec *s, size_t cell, size_t axis) {
    size_t index[SWEEP_AXES_MAX];
    sweep_spec_cell_indexes(s, cell, index);
    return s->axes[axis].values[index[axis]];
}

/* Writes text escaped for a .properties file: a key escapes its separators, a value only what
 * the reader would otherwise drop or turn into something else. */
static int spec_escape(spec_buf *b, const char *text, bool is_key) {
    for (const char *p = text; *p; p++) {
        char c = *p;
        const char *escaped = NULL;
        char two[3] = {'\\', c, '\0'};
        if (c == '\\') escaped = "\\\\";
        else if (c == '\n') escaped = "\\n";
        else if (c == '\r') escaped = "\\r";
        else if (c == '\t') escaped = "\\t";
        else if (c == '\f') escaped = "\\f";
        else if (c == ' ' && (is_key || p == text)) escaped = two;
        else if (is_key && (c == '=' || c == ':' || ((c == '#' || c == '!') && p == text))) {
            escaped = two;
        }
        int rc = escaped ? spec_buf_puts(b, escaped) : spec_buf_put(b, &c, 1);
        if (rc != 0) return -1;
    }
    return 0;
}

/* Appends key = value to out as read from file at line. */
static int spec_props_append(props *out, const char *file, int line, const char *key,
                             const char *value, char *err, size_t err_len) {
    spec_buf b = {0};
    int rc = spec_escape(&b, key, true);
    if (rc == 0) rc = spec_buf_put(&b, "=", 1);
    if (rc == 0) rc = spec_escape(&b, value, false);
    if (rc == 0) rc = spec_buf_put(&b, "\n", 1);
    if (rc != 0) rc = spec_fail(err, err_len, "out of memory");
    else rc = props_read_text_at(out, file, line > 0 ? line : 1, b.data, b.len, err, err_len);
    free(b.data);
    return rc;
}

int sweep_spec_cell_props(const sweep_spec *s, size_t cell, uint64_t seed, props *out,
                          char *err, size_t err_len) {
    spec_buf value = {0};
    int rc = 0;
    for (size_t i = 0; i < s->base.count && rc == 0; i++) {
        const prop *p = &s->base.items[i];
        rc = spec_props_append(out, p->file, p->line, p->key, p->value, err, err_len);
    }
    for (size_t i = 0; i < s->set_count && rc == 0; i++) {
        value.len = 0;
        if (spec_substitute(s, cell, s->sets[i].value, &value) != 0) {
            rc = spec_fail(err, err_len, "out of memory");
            break;
        }
        rc = spec_props_append(out, s->path, s->sets[i].line, s->sets[i].key,
                               value.len ? value.data : "", err, err_len);
    }
    for (size_t a = 0; a < s->axis_count && rc == 0; a++) {
        if (!s->axes[a].is_key) continue;
        value.len = 0;
        if (spec_substitute(s, cell, sweep_spec_cell_value(s, cell, a), &value) != 0) {
            rc = spec_fail(err, err_len, "out of memory");
            break;
        }
        rc = spec_props_append(out, s->path, s->axes[a].line, s->axes[a].name,
                               value.len ? value.data : "", err, err_len);
    }
    if (rc == 0) {
        char text[32];
        snprintf(text, sizeof text, "%" PRIu64, seed);
        rc = spec_props_append(out, s->path, s->seeds_line, "sim.seed", text, err, err_len);
    }
    free(value.data);
    return rc;
}

/* ==== Identity =============================================================================== */

static uint64_t spec_hash_str(uint64_t h, const char *text) {
    return sweep_fnv1a(h, text, strlen(text) + 1); /* the NUL separates fields */
}

uint64_t sweep_spec_hash(const sweep_spec *s, const char *extra) {
    uint64_t h = spec_hash_str(SWEEP_FNV_OFFSET, "kafkasim-sweep-1");
    for (size_t i = 0; i < s->base.count; i++) {
        h = spec_hash_str(h, s->base.items[i].key);
        h = spec_hash_str(h, s->base.items[i].value);
    }
    for (size_t i = 0; i < s->set_count; i++) {
        h = spec_hash_str(h, s->sets[i].key);
        h = spec_hash_str(h, s->sets[i].value);
    }
    for (size_t a = 0; a < s->axis_count; a++) {
        h = spec_hash_str(h, s->axes[a].name);
        for (size_t v = 0; v < s->axes[a].value_count; v++) h = spec_hash_str(h, s->axes[a].values[v]);
        h = spec_hash_str(h, "");
    }
    for (size_t i = 0; i < s->seed_count; i++) {
        char text[32];
        snprintf(text, sizeof text, "%" PRIu64, s->seeds[i]);
        h = spec_hash_str(h, text);
    }
    return spec_hash_str(h, extra ? extra : "");
}
