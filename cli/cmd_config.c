/*
 * cmd_config.c: `kafkasim config`: the key table, or the effective configuration of inputs.
 *
 * Without --effective it prints one aligned row per key: name, value (the default of the
 * chosen kafka.version, or the value the inputs give), unit, allowed values, meaning; then any
 * faults, and a note where the version's default differs from the documented one (KAFKA-13598)
 * or was turned off by another setting (KAFKA-13673). With --effective it prints the key=value
 * lines of config_write, a .properties file that replays the same configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void config_cmd_usage(FILE *out) {
    fputs("Usage: kafkasim config [--kafka-version V] [--effective] [FILE.properties]...\n"
          "                       [key=value]...\n"
          "Print every configuration key with its value, unit, allowed values and meaning.\n"
          "With no inputs the values are the defaults of the Kafka version; files and key=value\n"
          "arguments are applied in order, later ones winning, exactly as 'kafkasim run' does.\n"
          "\n"
          "  -k, --kafka-version V  defaults and validation of Kafka V (0.11 .. 4.0, e.g. 3.7 or\n"
          "                         3.7.0; default 3.9.0); overrides kafka.version of the inputs\n"
          "  -e, --effective        print the effective configuration as key=value lines (a\n"
          "                         .properties file that replays it)\n"
          "  -h, --help             print this help and exit\n"
          "\n"
          "Exit status: 0 ok, 2 bad usage or input (the message names file:line and the key).\n",
          out);
}

static int config_cmd_usage_error(const char *what) {
    fprintf(stderr, "kafkasim config: %s\nTry 'kafkasim config --help'.\n", what);
    return CLI_EXIT_USAGE;
}

enum { CONFIG_OPT_VERSION = 'k', CONFIG_OPT_EFFECTIVE = 'e', CONFIG_OPT_HELP = 'h' };

static const struct option config_cmd_options[] = {
    {"kafka-version", required_argument, NULL, CONFIG_OPT_VERSION},
    {"effective", no_argument, NULL, CONFIG_OPT_EFFECTIVE},
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

/* Prints the aligned table of every key with its value in c. */
static void config_cmd_table(const config *c, bool defaults, FILE *out) {
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    int w_name = 3, w_value = defaults ? 7 : 5, w_unit = 4, w_allowed = 7;
    char value[64];
    for (size_t i = 0; i < count; i++) {
        int n = (int)strlen(keys[i].name), v = (int)strlen(config_value_string(c, i, value, 64));
        int u = (int)strlen(keys[i].unit), a = (int)strlen(keys[i].allowed);
        w_name = n > w_name ? n : w_name;
        w_value = v > w_value ? v : w_value;
        w_unit = u > w_unit ? u : w_unit;
        w_allowed = a > w_allowed ? a : w_allowed;
    }
    fprintf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", w_name, "KEY", w_value,
            defaults ? "DEFAULT" : "VALUE", w_unit, "UNIT", w_allowed, "ALLOWED", "MEANING");
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", w_name, keys[i].name, w_value,
                config_value_string(c, i, value, sizeof value), w_unit, keys[i].unit, w_allowed,
                keys[i].allowed, keys[i].meaning);
    }
    for (int i = 0; i < c->fault_count; i++)
        fprintf(out, "fault.%s = %s\n", c->faults[i].name, c->faults[i].text);
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
    bool effective = false;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":k:eh", config_cmd_options, NULL)) != -1) {
        switch (opt) {
        case CONFIG_OPT_VERSION: version = optarg; break;
        case CONFIG_OPT_EFFECTIVE: effective = true; break;
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
    if (effective) {
        config_write(&c, stdout);
        return CLI_EXIT_OK;
    }
    config_cmd_table(&c, input_count == 0, stdout);
    config_cmd_notes(&c, stdout);
    return CLI_EXIT_OK;
}
