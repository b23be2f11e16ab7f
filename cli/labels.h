/*
 * labels.h: the words and units plots and tables print for output fields and sweep axes, so a
 * picture says "lost acknowledged records (records per run)" where the CSV says lost_acked.
 *
 * A field's label and unit come from one table (labels.c) with a row per field of report.h;
 * errors.CODE reads as "times the producer saw error CODE". An axis that is a scenario key is that key
 * with its unit from `kafkasim config`'s table; a variable axis (${NAME} in a set.* value) is
 * named by the value it stands in, with the unit that follows it there (a time unit, a step
 * index after n=, a probability after p=).
 */
#ifndef KAFKASIM_LABELS_H
#define KAFKASIM_LABELS_H

#include <stddef.h>

#include "sweep_spec.h"

/* The label ("lost acknowledged records") and unit ("records") of output field name;
 * errors.CODE is "times the producer saw error CODE" (valid until the next errors.CODE is
 * asked for); for a name the table does not know, the name itself and an empty unit. Both
 * borrowed (static). */
void labels_field(const char *name, const char **label, const char **unit);

/* "lost acknowledged records (records per run)" into buf. */
void labels_field_axis(const char *name, char *buf, size_t len);

/* The words for axis a of s into buf: "max.in.flight.requests.per.connection (requests)",
 * "t (ms) in fault.crash = crash leader at t ms for 20s". */
void labels_axis(const sweep_spec *s, size_t a, char *buf, size_t len);

#endif
