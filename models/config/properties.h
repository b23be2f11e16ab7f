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

#define PROPS_LINE_MAX (1u << 20)  /* a logical line longer than 1 MiB is rejected */
#define PROPS_FILE_MAX (64u << 20) /* a properties file or sweep spec over 64 MiB is rejected */

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

/* Reads a file. Returns 0, or -1 with "file: reason" or "file:line: reason" in err. Anything
 * but a regular file (a directory, /dev/zero, a pipe), a file over PROPS_FILE_MAX bytes, text
 * with NUL bytes (a binary file) or an over-long line is rejected. A UTF-8 byte-order mark at
 * the start is skipped. An empty file is not an error here (the command decides). */
int props_read_file(props *p, const char *path, char *err, size_t err_len);

/* Reads the whole regular file at path, of at most max_bytes bytes, into a new NUL-terminated
 * buffer (*text_out, owned by the caller; *len_out bytes before the NUL). The file's type and
 * size are checked before anything is allocated for it; what names the kind of file for the
 * message ("a sweep journal"). Returns 0, or -1 with "path: reason" in err. */
int props_file_load(const char *path, const char *what, size_t max_bytes, char **text_out,
                    size_t *len_out, char *err, size_t err_len);

/* The 1-based line of text on which the byte at `at` stands (\n, \r and \r\n end a line). */
int props_line_at(const char *text, const char *at);

/* True when the file at path holds no byte but blanks (space, \t, \f) and line breaks: an
 * empty file, which the commands reject as "no properties in FILE" although Java reads it as
 * all defaults. False when it holds anything else, a comment included; true when it cannot be
 * opened (props_read_file reports that). */
bool props_file_is_blank(const char *path);

/* Reads text as if from a file named name. Same contract as props_read_file. */
int props_read_text(props *p, const char *name, const char *text, size_t len, char *err,
                    size_t err_len);

/* props_read_text for text that starts on line first_line of name (a piece of a larger file,
 * so that messages and prop.line name the place in the whole). */
int props_read_text_at(props *p, const char *name, int first_line, const char *text,
                       size_t len, char *err, size_t err_len);

/* Adds one "key=value" command-line argument. Returns 0, or -1 when arg has no '='. */
int props_add_arg(props *p, const char *arg, char *err, size_t err_len);

/* The last value set for key, or NULL. */
const prop *props_get(const props *p, const char *key);

#endif
