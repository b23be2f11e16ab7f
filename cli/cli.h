/*
 * cli.h: the subcommands of `kafkasim` and the pieces they share.
 *
 * Exit codes, for every subcommand: 0 ok (anomalies are results, not errors), 1 a property was
 * violated or a model invariant broke, 2 bad usage or bad input (one message naming the file,
 * line, key and what is allowed).
 */
#ifndef KAFKASIM_CLI_H
#define KAFKASIM_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_EXHAUSTED 3 /* memory ran out (run_result.exhausted): no verdict, never 1 */

/* Each takes the arguments after the subcommand name (argv[0] is the subcommand). */
int cmd_run(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* Builds the effective configuration from .properties files and key=value arguments, in the
 * order given (later wins): defaults of the chosen kafka.version, then every property, then
 * cross-key validation. On bad input writes one message to err and returns -1. */
int cli_load_config(config *c, char **inputs, int input_count, char *err, size_t err_len);

/* config_finish, with its message prefixed by the file:line (or "argument") of p where the
 * first key the message names was set, when p set it. Borrows p. Returns 0 or -1. */
int cli_config_finish(config *c, const props *p, char *err, size_t err_len);

/* The message for getopt_long's answer opt when it is ':' (an option without its value; the
 * option string must start with ':') or '?' (an unknown option), naming the option as typed:
 * "option '--seed' needs a value", "unknown option '--bogus'". Reads optind and optopt. */
const char *cli_getopt_error(int opt, char **argv, char *buf, size_t len);

/* Flushes and closes f, which was written as path ("standard output" for stdout). Returns 0,
 * or -1 with "path: reason" in err when any write to f, the flush or the close failed (stdio
 * keeps the bytes a failed write could not place, so the flush retries them and reports the
 * system's reason; "write error" when none is known). f is closed either way. */
int cli_close(FILE *f, const char *path, char *err, size_t err_len);

/* Parses a decimal unsigned 64-bit option value; -1 with a message on bad text. */
int cli_parse_u64(const char *option, const char *text, unsigned long long *out, char *err,
                  size_t err_len);

#endif
