/*
 * main.c: the front door of `kafkasim`: global options and the dispatch to subcommands.
 *
 * GNU conventions (coreutils' head.c, the GNU Coding Standards): --help prints to standard
 * output and exits 0, --version prints "kafkasim <version>", a usage error prints one line and
 * a hint to standard error and exits 2. Each subcommand parses its own options and answers its
 * own --help; main only picks the subcommand.
 *
 * Global options come before the subcommand and end the program (there are only --help and
 * --version), so the subcommands' getopt_long scans always start from a fresh state.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#ifndef KAFKASIM_VERSION
#define KAFKASIM_VERSION "0.0.0-dev" /* the build passes the project's version */
#endif

typedef struct main_subcommand {
    const char *name;                  /* as typed after kafkasim */
    int (*run)(int argc, char **argv); /* gets argv[0] = the subcommand's name */
    const char *summary;               /* one line for --help */
} main_subcommand;

static const main_subcommand main_subcommands[] = {
    {"run", cmd_run, "one simulated run: summary, trace, explanation of anomalies"},
    {"config", cmd_config, "every key with its default, unit, allowed values and meaning"},
    {"sweep", cmd_sweep, "a grid of runs from a sweep spec, CSV out, gnuplot plots"},
    {"check", cmd_check, "a property over many seeds; a failing seed, shrunk, to replay"},
    {"bench", cmd_bench, "the reference scenarios with events/s, records/s and peak memory"},
    {"demo", cmd_demo, "known Kafka delivery anomalies, each reproduced and explained"},
};

#define MAIN_SUBCOMMAND_COUNT (sizeof main_subcommands / sizeof main_subcommands[0])

static void main_usage(FILE *out) {
    fputs("Usage: kafkasim SUBCOMMAND [OPTION]... [FILE.properties]... [key=value]...\n"
          "       kafkasim --help | --version\n"
          "A deterministic simulator of Apache Kafka's producer-to-broker delivery semantics.\n"
          "\n"
          "Subcommands:\n",
          out);
    for (size_t i = 0; i < MAIN_SUBCOMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", main_subcommands[i].name, main_subcommands[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     print this help and exit\n"
          "  -V, --version  print the version and exit\n"
          "\n"
          "'kafkasim SUBCOMMAND --help' describes each subcommand.\n"
          "Exit status: 0 ok, 1 a property was violated or a run failed, 2 bad usage or input.\n",
          out);
}

static int main_usage_error(const char *what, const char *word) {
    fprintf(stderr, "kafkasim: %s '%s'\nTry 'kafkasim --help'.\n", what, word);
    return CLI_EXIT_USAGE;
}

enum { MAIN_OPT_HELP = 'h', MAIN_OPT_VERSION = 'V' };

static const struct option main_options[] = {
    {"help", no_argument, NULL, MAIN_OPT_HELP},
    {"version", no_argument, NULL, MAIN_OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* The options before any subcommand: each ends the program. */
static int main_options_parse(int argc, char **argv) {
    opterr = 0; /* our own one-line messages */
    int opt = getopt_long(argc, argv, "hV", main_options, NULL);
    switch (opt) {
    case MAIN_OPT_HELP: main_usage(stdout); return CLI_EXIT_OK;
    case MAIN_OPT_VERSION: puts("kafkasim " KAFKASIM_VERSION); return CLI_EXIT_OK;
    default: return main_usage_error("unknown option", argv[optind > 1 ? optind - 1 : 1]);
    }
}

/* Runs allocate their working memory (queue, history, logs, checker arrays) afresh and free it
 * at the end. glibc hands blocks over 128 KiB back to the kernel on free by default, so every
 * run of a sweep or a bench page-faulted its memory in again: a third of a 100,000-record
 * run's time, measured. Keeping freed memory in the process (blocks up to 32 MiB from the
 * heap, no trimming) lets the next run reuse it. Memory the process holds stays bounded by the
 * largest run's. */
static void main_malloc_setup(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

/* Output a full disk or a closed pipe did not take is an error, not a silent loss (coreutils'
 * close_stdout): standard output is closed here, and a failed write turns the status into 2
 * (a sweep's interrupted status stays, its journal being whole). */
static int main_stdout_close(const char *subcommand, int status) {
    char err[256];
    if (cli_close(stdout, "standard output", err, sizeof err) == 0) return status;
    fprintf(stderr, "kafkasim %s: %s\n", subcommand, err);
    return status == 130 ? status : CLI_EXIT_USAGE;
}

int main(int argc, char **argv) {
    main_malloc_setup();
    if (argc < 2) {
        fputs("kafkasim: a subcommand is needed\nTry 'kafkasim --help'.\n", stderr);
        return CLI_EXIT_USAGE;
    }
    if (argv[1][0] == '-') return main_options_parse(argc, argv);
    for (size_t i = 0; i < MAIN_SUBCOMMAND_COUNT; i++) {
        if (strcmp(argv[1], main_subcommands[i].name) == 0) {
            optind = 1;
            opterr = 0; /* each subcommand writes one message of its own, naming the option */
            int status = main_subcommands[i].run(argc - 1, argv + 1);
            return main_stdout_close(main_subcommands[i].name, status);
        }
    }
    return main_usage_error("unknown subcommand", argv[1]);
}
