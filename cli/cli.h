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

#include "config.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1
#define CLI_EXIT_USAGE 2

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

/* Parses a decimal unsigned 64-bit option value; -1 with a message on bad text. */
int cli_parse_u64(const char *option, const char *text, unsigned long long *out, char *err,
                  size_t err_len);

#endif
