/*
 * cmd_config.c: `kafkasim config`: the key table, or the effective configuration of inputs.
 *
 * Without --effective it prints one aligned row per key: name, value (the default of the
 * chosen kafka.version, or the value the inputs give), unit, for another release than the
 * default one the default release's value where the two releases' defaults differ, the release
 * that brought the key (SINCE), allowed values, meaning; then any faults, and a note where the
 * version's default differs from the documented one (KAFKA-13598) or was turned off by another
 * setting (KAFKA-13673). With --effective it prints the key=value lines of config_write, a
 * .properties file that replays the same configuration; with --diff only the keys whose
 * defaults differ between the two releases; with --not-modelled the Kafka keys a run accepts
 * without using them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault_parse.h"

static void config_cmd_usage(FILE *out) {
    fputs("Usage: kafkasim config [--kafka-version V] [--effective | --diff | --not-modelled]\n"
          "                       [FILE.properties]... [key=value]...\n"
          "Print every configuration key with its value, unit, the release that brought it\n"
          "(SINCE), allowed values and meaning. With no inputs the values are the defaults of the\n"
          "Kafka version; files and key=value arguments are applied in order, later ones\n"
          "winning, exactly as 'kafkasim run' does. For another release than the default one a\n"
          "column shows the default release's value wherever the two defaults differ; '-' marks\n"
          "a key the release does not have (setting it is refused, naming the release that\n"
          "brought it).\n"
          "\n"
          "  -k, --kafka-version V  defaults and validation of Kafka V (0.11 .. 4.3, e.g. 3.7 or\n"
          "                         3.7.0; default 3.9.0); overrides kafka.version of the inputs\n"
          "  -e, --effective        print the effective configuration as key=value lines (a\n"
          "                         .properties file that replays it)\n"
          "  -d, --diff             print only the keys whose default differs between the\n"
          "                         version and the default version (3.9.0)\n"
          "  -n, --not-modelled     print the Kafka keys a run accepts without modelling them\n"
          "                         (compression.type, client.id, ...; a run lists them)\n"
          "  -h, --help             print this help and exit\n"
          "\n"
          "Exit status: 0 ok, 2 bad usage or input (the message names file:line and the key).\n",
          out);
}

static int config_cmd_usage_error(const char *what) {
    fprintf(stderr, "kafkasim config: %s\nTry 'kafkasim config --help'.\n", what);
    return CLI_EXIT_USAGE;
}

enum {
    CONFIG_OPT_VERSION = 'k',
    CONFIG_OPT_EFFECTIVE = 'e',
    CONFIG_OPT_DIFF = 'd',
    CONFIG_OPT_NOT_MODELLED = 'n',
    CONFIG_OPT_HELP = 'h'
};

static const struct option config_cmd_options[] = {
    {"kafka-version", required_argument, NULL, CONFIG_OPT_VERSION},
    {"effective", no_argument, NULL, CONFIG_OPT_EFFECTIVE},
    {"diff", no_argument, NULL, CONFIG_OPT_DIFF},
    {"not-modelled", no_argument, NULL, CONFIG_OPT_NOT_MODELLED},
    {"help", no_argument, NULL, CONFIG_OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* The allowed column of key name. */
static const char *config_cmd_allowed(const char *name) {
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(keys[i].name, name) == 0) return keys[i].allowed;
    return "";
}

/* The defaults of release version, settled as a run settles them (derived values included). */
static void config_cmd_defaults(config *d, int version) {
    char err[256];
    config_defaults(d, version);
    (void)config_finish(d, err, sizeof err); /* the defaults of every release pass */
}

/* The SINCE column of key i: "2.1 KIP-91", or "" for keys every release has. */
static const char *config_cmd_since(size_t i, char *buf, size_t len) {
    const char *source;
    int since = config_key_since(i, &source);
    if (since == 0) snprintf(buf, len, "%s", "");
    else snprintf(buf, len, "%d.%d %s", since / 10000, since / 100 % 100, source);
    return buf;
}

/* The value of key i in c, or "-" when c's release does not have the key. */
static const char *config_cmd_value(const config *c, size_t i, char *buf, size_t len) {
    if (!config_key_in_version(i, c->kafka_version)) {
        snprintf(buf, len, "-");
        return buf;
    }
    return config_value_string(c, i, buf, len);
}

/* In a world of several partitions or producers, what faults and trace filters may name:
 * "partitions  orders-0 .. orders-11, payments-0 .. payments-2 (leader of P, follower of P,
 * --trace-partition P)" and "producers   producer-1 .. producer-3". A world of one prints
 * nothing, as before. */
static void config_cmd_world(const config *c, FILE *out) {
    fault_world w;
    fault_world_of(c, &w);
    if (w.partitions > 1) {
        fputs("partitions ", out);
        char first[FAULT_PARTITION_NAME_MAX], name[FAULT_PARTITION_NAME_MAX];
        int g = 0;
        for (int runs = 0; g < w.partitions; runs++) {
            /* a run of one topic: names share everything before the last '-' */
            w.partition_name(w.ctx, g, first, sizeof first);
            size_t stem = (size_t)(strrchr(first, '-') - first);
            int last = g;
            while (last + 1 < w.partitions &&
                   strncmp(w.partition_name(w.ctx, last + 1, name, sizeof name), first,
                           stem + 1) == 0 && strchr(name + stem + 1, '-') == NULL)
                last++;
            fprintf(out, "%s%s", runs ? ", " : " ", first);
            if (last > g) fprintf(out, " .. %s", w.partition_name(w.ctx, last, name, sizeof name));
            g = last + 1;
        }
        fputs(" (fault nodes: leader of P, follower of P; run --trace-partition P)\n", out);
    }
    if (w.producers > 1)
        fprintf(out, "producers   producer-1 .. producer-%d (fault nodes; run --trace-node)\n",
                w.producers);
}

/* Prints the aligned table of every key with its value in c. When the version's defaults vs
 * holds another release's defaults than base (the default release), a column shows base's
 * default wherever the two releases' defaults differ. */
static void config_cmd_table(const config *c, bool defaults, const config *vs, const config *base,
                             FILE *out) {
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    bool compare = vs->kafka_version != base->kafka_version;
    char base_head[32], version[16];
    snprintf(base_head, sizeof base_head, "IN %s",
             config_version_string(base->kafka_version, version, sizeof version));
    int w_name = 3, w_value = defaults ? 7 : 5, w_unit = 4, w_base = (int)strlen(base_head);
    int w_since = 5, w_allowed = 7;
    char value[64], other[64], since[48];
    for (size_t i = 0; i < count; i++) {
        int n = (int)strlen(keys[i].name);
        int v = (int)strlen(config_cmd_value(c, i, value, sizeof value));
        int b = (int)strlen(config_cmd_value(base, i, other, sizeof other));
        int u = (int)strlen(keys[i].unit), a = (int)strlen(keys[i].allowed);
        int si = (int)strlen(config_cmd_since(i, since, sizeof since));
        w_name = n > w_name ? n : w_name;
        w_value = v > w_value ? v : w_value;
        w_base = b > w_base ? b : w_base;
        w_unit = u > w_unit ? u : w_unit;
        w_since = si > w_since ? si : w_since;
        w_allowed = a > w_allowed ? a : w_allowed;
    }
    fprintf(out, "%-*s  %-*s  %-*s  ", w_name, "KEY", w_value, defaults ? "DEFAULT" : "VALUE",
            w_unit, "UNIT");
    if (compare) fprintf(out, "%-*s  ", w_base, base_head);
    fprintf(out, "%-*s  %-*s  %s\n", w_since, "SINCE", w_allowed, "ALLOWED", "MEANING");
    int differing = 0;
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "%-*s  %-*s  %-*s  ", w_name, keys[i].name, w_value,
                config_cmd_value(c, i, value, sizeof value), w_unit, keys[i].unit);
        if (compare) {
            const char *mine = config_cmd_value(vs, i, value, sizeof value);
            const char *theirs = config_cmd_value(base, i, other, sizeof other);
            bool differs = i > 0 && strcmp(mine, theirs) != 0;
            differing += differs;
            fprintf(out, "%-*s  ", w_base, differs ? theirs : "");
        }
        fprintf(out, "%-*s  %-*s  %s\n", w_since, config_cmd_since(i, since, sizeof since),
                w_allowed, keys[i].allowed, keys[i].meaning);
    }
    for (int i = 0; i < c->fault_count; i++)
        fprintf(out, "fault.%s = %s\n", c->faults[i].name, c->faults[i].text);
    config_cmd_world(c, out);
    if (compare)
        fprintf(out, "\n%s: the default of Kafka %s where Kafka %s's default differs (%d %s; "
                "'-': the release has no such key). --diff prints only those keys.\n",
                base_head, config_version_string(base->kafka_version, other, sizeof other),
                config_version_string(vs->kafka_version, version, sizeof version), differing,
                differing == 1 ? "key" : "keys");
}

/* --diff: only the keys whose default in vs's release differs from the default release's. */
static void config_cmd_diff(const config *vs, const config *base, FILE *out) {
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    char mine[64], theirs[64], since[48], v1[16], v2[16];
    config_version_string(vs->kafka_version, v1, sizeof v1);
    config_version_string(base->kafka_version, v2, sizeof v2);
    int w_name = 3;
    for (size_t i = 0; i < count; i++)
        w_name = (int)strlen(keys[i].name) > w_name ? (int)strlen(keys[i].name) : w_name;
    fprintf(out, "%-*s  %-12s  %-12s  %s\n", w_name, "KEY", v1, v2, "SINCE");
    int differing = 0;
    for (size_t i = 1; i < count; i++) {
        config_cmd_value(vs, i, mine, sizeof mine);
        config_cmd_value(base, i, theirs, sizeof theirs);
        if (strcmp(mine, theirs) == 0) continue;
        differing++;
        fprintf(out, "%-*s  %-12s  %-12s  %s\n", w_name, keys[i].name, mine, theirs,
                config_cmd_since(i, since, sizeof since));
    }
    if (differing == 0) fprintf(out, "(no default differs between %s and %s)\n", v1, v2);
}

/* --not-modelled: the Kafka keys a run accepts and lists without using them. */
static void config_cmd_not_modelled(FILE *out) {
    const char *name;
    for (size_t i = 0; (name = config_not_modelled_key(i)) != NULL; i++) fprintf(out, "%s\n", name);
}

/* Notes where the effective idempotence is not the documented default of the version. */
static void config_cmd_notes(const config *c, FILE *out) {
    char version[16];
    config_version_string(c->kafka_version, version, sizeof version);
    if (c->idempotence_explicit || c->kafka_version < 30000) return;
    if (c->kafka_version == 30000 || c->kafka_version == 30100) {
        fprintf(out, "\nnote: Kafka %s documents enable.idempotence=true but does not apply it "
                "unless it is set explicitly (KAFKA-13598).\n", version);
    } else if (!c->enable_idempotence) {
        fprintf(out, "\nnote: the default enable.idempotence=true of Kafka %s is turned off by "
                "acks, retries or max.in.flight.requests.per.connection (KAFKA-13673).\n",
                version);
    }
}

int cmd_config(int argc, char **argv) {
    const char *version = NULL;
    bool effective = false, diff = false, not_modelled = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":k:ednh", config_cmd_options, NULL)) != -1) {
        switch (opt) {
        case CONFIG_OPT_VERSION: version = optarg; break;
        case CONFIG_OPT_EFFECTIVE: effective = true; break;
        case CONFIG_OPT_DIFF: diff = true; break;
        case CONFIG_OPT_NOT_MODELLED: not_modelled = true; break;
        case CONFIG_OPT_HELP: config_cmd_usage(stdout); return CLI_EXIT_OK;
        default: {
            char what[256];
            return config_cmd_usage_error(cli_getopt_error(opt, argv, what, sizeof what));
        }
        }
    }
    char err[512], version_arg[64];
    if (version) {
        int v;
        if (config_version_parse(version, &v) != 0) {
            snprintf(err, sizeof err, "--kafka-version: '%s' is not allowed; allowed: %s", version,
                     config_cmd_allowed("kafka.version"));
            return config_cmd_usage_error(err);
        }
        snprintf(version_arg, sizeof version_arg, "kafka.version=%s", version);
    }
    int input_count = argc - optind;
    char **inputs = malloc(((size_t)input_count + 1) * sizeof *inputs);
    if (!inputs) {
        fputs("kafkasim config: out of memory\n", stderr);
        return CLI_EXIT_FAILED;
    }
    memcpy(inputs, argv + optind, (size_t)input_count * sizeof *inputs);
    if (version) inputs[input_count] = version_arg; /* the option wins over the inputs */
    config c;
    int rc = cli_load_config(&c, inputs, input_count + (version ? 1 : 0), err, sizeof err);
    free(inputs);
    if (rc != 0) {
        fprintf(stderr, "kafkasim config: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    if (effective + diff + not_modelled > 1)
        return config_cmd_usage_error("--effective, --diff and --not-modelled exclude each other");
    if (not_modelled) {
        config_cmd_not_modelled(stdout);
        return CLI_EXIT_OK;
    }
    if (effective) {
        config_write(&c, stdout);
        return CLI_EXIT_OK;
    }
    static config vs, base; /* large: not on the stack; one command per process */
    config_cmd_defaults(&vs, c.kafka_version);
    config_cmd_defaults(&base, config_version_default());
    if (diff) {
        config_cmd_diff(&vs, &base, stdout);
        return CLI_EXIT_OK;
    }
    config_cmd_table(&c, input_count == 0, &vs, &base, stdout);
    config_cmd_notes(&c, stdout);
    return CLI_EXIT_OK;
}
