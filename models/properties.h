/*
 * properties.h: a reader for Java .properties text, as java.util.Properties.load() reads it:
 * '#' and '!' comment lines, key=value, key: value and key value, backslash continuation lines,
 * leading blanks of keys, values and continuation lines dropped, \t \n \r \f \uXXXX escapes.
 * Keys may repeat: every assignment is kept in order, and the consumer lets the later win, as
 * Java does.
 *
 * Each property remembers where it came from (file and line) so that every error message can
 * name them. key=value command-line arguments are read with props_add_arg and named "argument".
 */
#ifndef KAFKASIM_PROPERTIES_H
#define KAFKASIM_PROPERTIES_H

#include <stdbool.h>
#include <stddef.h>

#define PROPS_LINE_MAX (1u << 20) /* a logical line longer than 1 MiB is rejected */

typedef struct prop {
    char *key;        /* owned, NUL-terminated */
    char *value;      /* owned, NUL-terminated */
    const char *file; /* borrowed from the props' source list: file name or "argument" */
    int line;         /* 1-based line of the key in the file; 0 for arguments */
} prop;

typedef struct props {
    prop *items;      /* in reading order */
    size_t count;
    size_t capacity;
    char **sources;   /* owned copies of file names */
    size_t source_count;
} props;

void props_init(props *p);
void props_fini(props *p);

/* Reads a file. Returns 0, or -1 with "file: reason" or "file:line: reason" in err. Text with
 * NUL bytes (a binary file) or an over-long line is rejected. An empty file is not an error
 * here (the command decides). */
int props_read_file(props *p, const char *path, char *err, size_t err_len);

/* True when the file at path holds no byte but blanks (space, \t, \f) and line breaks: an
 * empty file, which the commands reject as "no properties in FILE" although Java reads it as
 * all defaults. False when it holds anything else, a comment included; true when it cannot be
 * opened (props_read_file reports that). */
bool props_file_is_blank(const char *path);

/* Reads text as if from a file named name. Same contract as props_read_file. */
int props_read_text(props *p, const char *name, const char *text, size_t len, char *err,
                    size_t err_len);

/* Adds one "key=value" command-line argument. Returns 0, or -1 when arg has no '='. */
int props_add_arg(props *p, const char *arg, char *err, size_t err_len);

/* The last value set for key, or NULL. */
const prop *props_get(const props *p, const char *key);

#endif
