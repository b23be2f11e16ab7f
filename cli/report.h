/*
 * report.h: the output formats of a run: text for people, one JSON object, one CSV row.
 *
 * One table of output fields (name, kind, getter) drives JSON, CSV, sweep aggregates and
 * `kafkasim check --expect`, so a field has one name and one value everywhere. Values are
 * integers; durations are integer ns printed as milliseconds with three decimals by integer
 * arithmetic, so the same run prints the same bytes on every compiler and flag set. Hashes
 * print as 16 hex digits (a JSON string: 64-bit values do not survive JSON doubles).
 */
#ifndef KAFKASIM_REPORT_H
#define KAFKASIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "scenario.h"

typedef enum report_kind {
    REPORT_COUNT = 0, /* an unsigned count, printed in decimal */
    REPORT_MS,        /* a duration held in ns, printed as ms with 3 decimals; null if < 0 */
    REPORT_HASH,      /* a 64-bit hash, printed as "0x" and 16 hex digits */
    REPORT_STATUS,    /* 0 ok, 1 failed: printed as "ok" or "failed" */
} report_kind;

typedef struct report_value {
    bool is_double; /* true for REPORT_MS fields: d holds milliseconds */
    int64_t i;      /* the integer value (ns for REPORT_MS; a hash is its bits) */
    double d;       /* milliseconds for REPORT_MS, else (double)i */
} report_value;

/* Fields of the table, in output order: the CSV columns of every run. */
size_t report_field_count(void);
/* The fields of a transactional run (transactions_committed ... hanging_transactions): indexes
 * report_field_txn_first() .. + report_field_txn_count() - 1, right after the table; written
 * (JSON, CSV, text) only for a transactional run, read by name (--expect, plot.y) in any. */
size_t report_field_txn_first(void);
size_t report_field_txn_count(void);
/* The fields of a run with consumers (processed ... unconsumed, pipeline_checker.h): indexes
 * report_field_pipeline_first() .. + report_field_pipeline_count() - 1, after the transaction
 * fields; written (JSON, CSV, text) only for a run with workload.consumers > 0, read by name
 * (--expect, plot.y) in any (0 without consumers). */
size_t report_field_pipeline_first(void);
size_t report_field_pipeline_count(void);
/* The table's fields, the transaction fields, the pipeline fields, then one errors.CODE field per error code (errors.NOT_ENOUGH_REPLICAS:
 * the count JSON's "errors" object holds): every name --expect and plot.y accept. */
size_t report_field_count_all(void);
/* The flat name of field i ("duplicates", "latency_p99_ms", "errors.REQUEST_TIMED_OUT"); NULL
 * out of range. */
const char *report_field_name(size_t i);
report_kind report_field_kind(size_t i);
/* The error code counted by field i when it is an errors.CODE field, else -1. */
int report_field_error_code(size_t i);
/* The index of the field called name (errors.CODE included), or -1. */
int report_field_find(const char *name);
/* The value of field i for r. Precondition: i < report_field_count_all(). */
report_value report_field_value(const run_result *r, size_t i);
/* Writes field i of r as CSV and JSON print it (a hash or status in quotes when json). */
void report_field_write(FILE *out, const run_result *r, size_t i, bool json);

/* The summary a person reads in five seconds: the verdict first (Jepsen's anomaly names), the
 * counters, the faults (and whether they fired), latency, and a replay command line. */
void report_text(FILE *out, const config *c, const run_result *r);
/* One JSON object on one line, ending in a newline. */
void report_json(FILE *out, const config *c, const run_result *r);
/* The CSV header line: the field names, comma-separated (the transaction fields after the
 * table's when transactional, then the pipeline fields when the run has consumers), and last
 * "warnings". */
void report_csv_header(FILE *out, bool transactional, bool consumers);
/* One CSV row of r, fields in header order (the transaction fields when r is transactional, the
 * pipeline fields when it has consumers); the warnings column is one quoted field, the
 * warnings joined by " | " (empty when there are none). c may be NULL (no warnings). */
void report_csv_row(FILE *out, const config *c, const run_result *r);

/* What a reader of the numbers must know: a fault that can never fire (a rule on a direction
 * no message travels) or that never fired in this run (the run did not test it). Calls fn once
 * per warning with one sentence (borrowed for the call) and returns how many; c may be NULL
 * (no warnings). JSON lists them as "warnings", text prints a "warning" line each, CSV a
 * warnings column. */
typedef void (*report_warning_fn)(void *ctx, const char *text);
int report_warnings(const config *c, const run_result *r, report_warning_fn fn, void *ctx);

/* Writes the key=value arguments that differ from the defaults of c's kafka.version (and
 * kafka.version itself when it is not the default), shell-quoted and space-separated, without
 * sim.seed: with --seed they replay the run. Returns the number of arguments written. */
int report_replay_args(FILE *out, const config *c);

/* Writes s as one shell word: bare when it is plain, else in single quotes. */
void report_shell_word(FILE *out, const char *s);

#endif
