/*
 * properties.c: java.util.Properties.load() for kafkasim's scenario files.
 *
 * Follows the JDK's Properties.LineReader and load0/loadConvert (java.base,
 * java/util/Properties.java) rule by rule:
 * - A natural line ends at \n, \r or \r\n. Leading blanks (space, \t, \f) are skipped. A line
 *   that is then empty is skipped; one whose first character is '#' or '!' is a comment.
 * - A natural line ending in an odd number of backslashes continues on the next line: the
 *   backslash is dropped, as are the leading blanks of the next line. A comment never
 *   continues; a continuation line that starts with '#' is text, not a comment; a continuation
 *   line that is blank ends the logical line. A backslash before the end of the text is dropped.
 * - The key ends at the first unescaped '=', ':' or blank. Blanks after it are skipped, then one
 *   '=' or ':' if the key ended at a blank, then blanks again; the rest is the value, trailing
 *   blanks included (Kafka's ConfigDef trims them when it parses a typed value).
 * - Escapes in keys and values: \t \n \r \f, \uXXXX (exactly four hex digits), and a backslash
 *   before any other character stands for that character.
 *
 * Departures, each because C strings are UTF-8 and NUL-terminated: the text is read as UTF-8
 * bytes (load(Reader) semantics, not load(InputStream)'s ISO-8859-1); \uXXXX is written as
 * UTF-8, a surrogate pair as one code point; \u0000 and an unpaired surrogate are errors. A NUL
 * byte in the text is an error (a binary file), as is a logical line over PROPS_LINE_MAX bytes.
 */
#define _POSIX_C_SOURCE 200809L /* open, fstat, read */

#include "properties.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== Storage ================================================================================ */

void props_init(props *p) { memset(p, 0, sizeof *p); }

void props_fini(props *p) {
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].key);
        free(p->items[i].value);
    }
    for (size_t i = 0; i < p->source_count; i++) free(p->sources[i]);
    free(p->items);
    free(p->sources);
    memset(p, 0, sizeof *p);
}

static int props_fail(char *err, size_t err_len, const char *name, int line, const char *what) {
    if (line > 0) snprintf(err, err_len, "%s:%d: %s", name, line, what);
    else snprintf(err, err_len, "%s: %s", name, what);
    return -1;
}

/* The stored copy of a source name (one copy per distinct name); NULL when out of memory. */
static const char *props_source(props *p, const char *name) {
    for (size_t i = 0; i < p->source_count; i++)
        if (strcmp(p->sources[i], name) == 0) return p->sources[i];
    char **grown = realloc(p->sources, (p->source_count + 1) * sizeof *grown);
    if (!grown) return NULL;
    p->sources = grown;
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy) return NULL;
    memcpy(copy, name, len + 1);
    p->sources[p->source_count++] = copy;
    return copy;
}

/* Appends a property; takes key and value (freed on failure). Returns 0 or -1. */
static int props_push(props *p, char *key, char *value, const char *file, int line) {
    if (p->count == p->capacity) {
        size_t capacity = p->capacity ? p->capacity * 2 : 16;
        prop *grown = realloc(p->items, capacity * sizeof *grown);
        if (!grown) {
            free(key);
            free(value);
            return -1;
        }
        p->items = grown;
        p->capacity = capacity;
    }
    p->items[p->count++] = (prop){.key = key, .value = value, .file = file, .line = line};
    return 0;
}

const prop *props_get(const props *p, const char *key) {
    for (size_t i = p->count; i > 0; i--)
        if (strcmp(p->items[i - 1].key, key) == 0) return &p->items[i - 1];
    return NULL;
}

/* ==== Escapes (loadConvert) ================================================================== */

static int props_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the four hex digits after "\u" at in[0..]; -1 when they are not four hex digits. */
static long props_u4(const char *in, size_t avail) {
    if (avail < 4) return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int d = props_hex(in[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t props_utf8(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes one \u escape (and its low surrogate) at in[i] == 'u'; returns the characters
 * consumed after the backslash, or 0 when malformed. Writes UTF-8 to out, *out_len bytes. */
static size_t props_unicode(const char *in, size_t i, size_t len, char *out, size_t *out_len) {
    long hi = props_u4(in + i + 1, len - i - 1);
    if (hi <= 0) return 0; /* malformed, or \u0000 which a C string cannot hold */
    uint32_t cp = (uint32_t)hi;
    size_t used = 5;
    if (hi >= 0xdc00 && hi <= 0xdfff) return 0; /* a low surrogate alone */
    if (hi >= 0xd800 && hi <= 0xdbff) {
        bool pair = len - i >= 11 && in[i + 5] == '\\' && in[i + 6] == 'u';
        long lo = pair ? props_u4(in + i + 7, len - i - 7) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) return 0;
        cp = 0x10000u + (((uint32_t)hi - 0xd800u) << 10) + ((uint32_t)lo - 0xdc00u);
        used = 11;
    }
    *out_len = props_utf8(cp, out);
    return used;
}

/* Unescapes in[0..len) into a new string. Returns NULL with *bad set on a malformed \u
 * escape, NULL with *bad clear when out of memory. */
static char *props_convert(const char *in, size_t len, bool *bad) {
    char *out = malloc(len + 1); /* an escape never decodes longer than it is written */
    *bad = false;
    if (!out) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c != '\\' || i + 1 == len) { /* a lone final backslash cannot reach here; kept */
            out[n++] = c;
            continue;
        }
        c = in[++i];
        if (c == 'u') {
            size_t wrote = 0, used = props_unicode(in, i, len, out + n, &wrote);
            if (used == 0) {
                free(out);
                *bad = true;
                return NULL;
            }
            n += wrote;
            i += used - 1;
            continue;
        }
        out[n++] = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c;
    }
    out[n] = '\0';
    return out;
}

/* ==== Lines (LineReader) and key/value split (load0) ========================================= */

static bool props_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* The reading position in one text. */
typedef struct props_reader {
    const char *text; /* the whole input, borrowed */
    size_t len;       /* bytes */
    size_t pos;       /* next byte to read */
    int line;         /* 1-based natural line of text[pos] */
    char *buf;        /* the logical line being assembled, owned */
    size_t buf_len;   /* bytes in buf */
    size_t buf_cap;   /* bytes allocated */
} props_reader;

/* Consumes one end of line at pos (\n, \r or \r\n); true when it was \r\n. */
static bool props_eol(props_reader *r) {
    bool crlf = r->text[r->pos] == '\r' && r->pos + 1 < r->len && r->text[r->pos + 1] == '\n';
    r->pos += crlf ? 2 : 1;
    r->line++;
    return crlf;
}

static int props_buf_put(props_reader *r, char c) {
    if (r->buf_len == r->buf_cap) {
        size_t cap = r->buf_cap ? r->buf_cap * 2 : 256;
        char *grown = realloc(r->buf, cap);
        if (!grown) return -1;
        r->buf = grown;
        r->buf_cap = cap;
    }
    r->buf[r->buf_len++] = c;
    return 0;
}

/* Skips blank lines and comments up to the start of the next logical line.
 * Returns false at the end of the text. */
static bool props_skip_to_line(props_reader *r) {
    while (r->pos < r->len) {
        char c = r->text[r->pos];
        if (props_blank(c)) {
            r->pos++;
        } else if (c == '\n' || c == '\r') {
            props_eol(r);
        } else if (c == '#' || c == '!') {
            while (r->pos < r->len && r->text[r->pos] != '\n' && r->text[r->pos] != '\r')
                r->pos++;
        } else {
            return true;
        }
    }
    return false;
}

/* Reads one logical line into r->buf (continuations joined). Returns 0, 1 when the line held
 * nothing but a continuation (LineReader then reads on as if at a new line), -1 on a line too
 * long (message in err), -2 when out of memory. */
static int props_logical_line(props_reader *r, const char *name, char *err, size_t err_len) {
    int first_line = r->line;
    bool backslash = false;
    r->buf_len = 0;
    while (r->pos < r->len) {
        char c = r->text[r->pos];
        if (c != '\n' && c != '\r') {
            if (r->buf_len >= PROPS_LINE_MAX) {
                char what[96];
                snprintf(what, sizeof what, "line longer than %u bytes", PROPS_LINE_MAX);
                return props_fail(err, err_len, name, first_line, what);
            }
            if (props_buf_put(r, c) != 0) return -2;
            backslash = c == '\\' ? !backslash : false;
            r->pos++;
            continue;
        }
        bool crlf = props_eol(r);
        if (!backslash) return 0;
        /* A continuation: drop the backslash and the next line's leading blanks. */
        r->buf_len--;
        backslash = false;
        if (r->pos == r->len) {
            /* The text ends here. LineReader returns even an empty line when it meets the end
             * right after the line break, but not after the \n of a \r\n, which it skips
             * first and then finds nothing on a new line. */
            return r->buf_len == 0 && crlf ? 1 : 0;
        }
        if (r->buf_len == 0) return 1; /* a line of one backslash: Java starts afresh */
        while (r->pos < r->len && props_blank(r->text[r->pos])) r->pos++;
    }
    if (backslash) r->buf_len--; /* the text ended right after a backslash */
    return 0;
}

/* Splits r->buf into key and value (load0) and stores them. */
static int props_split(props *p, props_reader *r, const char *file, int line, const char *name,
                       char *err, size_t err_len) {
    const char *s = r->buf;
    size_t len = r->buf_len, key_len = 0, value_start = len;
    bool has_sep = false, backslash = false;
    for (; key_len < len; key_len++) {
        char c = s[key_len];
        if ((c == '=' || c == ':') && !backslash) {
            value_start = key_len + 1;
            has_sep = true;
            break;
        }
        if (props_blank(c) && !backslash) {
            value_start = key_len + 1;
            break;
        }
        backslash = c == '\\' ? !backslash : false;
    }
    for (; value_start < len; value_start++) {
        char c = s[value_start];
        if (props_blank(c)) continue;
        if (!has_sep && (c == '=' || c == ':')) {
            has_sep = true;
            continue;
        }
        break;
    }
    bool bad = false;
    char *key = props_convert(s, key_len, &bad);
    char *value = key ? props_convert(s + value_start, len - value_start, &bad) : NULL;
    if (!key || !value) {
        free(key);
        return props_fail(err, err_len, name, line,
                          bad ? "malformed \\uXXXX escape (four hex digits, not \\u0000, "
                                "surrogates in pairs)"
                              : "out of memory");
    }
    if (props_push(p, key, value, file, line) != 0)
        return props_fail(err, err_len, name, line, "out of memory");
    return 0;
}

/* ==== Entry points =========================================================================== */

int props_read_text_at(props *p, const char *name, int first_line, const char *text,
                       size_t len, char *err, size_t err_len) {
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        return props_fail(err, err_len, name, first_line + props_line_at(text, nul) - 1,
                          "binary data (a NUL byte) in a properties file");
    }
    const char *file = props_source(p, name);
    if (!file) return props_fail(err, err_len, name, 0, "out of memory");
    props_reader r = {.text = text, .len = len, .line = first_line};
    int rc = 0;
    while (rc == 0 && props_skip_to_line(&r)) {
        int line = r.line;
        rc = props_logical_line(&r, name, err, err_len);
        if (rc == 1) {
            rc = 0;
            continue;
        }
        if (rc == -2) rc = props_fail(err, err_len, name, line, "out of memory");
        if (rc == 0) rc = props_split(p, &r, file, line, name, err, err_len);
    }
    free(r.buf);
    return rc;
}

int props_read_text(props *p, const char *name, const char *text, size_t len, char *err,
                    size_t err_len) {
    return props_read_text_at(p, name, 1, text, len, err, err_len);
}

/* ==== Files ================================================================================== */

int props_line_at(const char *text, const char *at) {
    int line = 1;
    for (const char *c = text; c < at; c++)
        if (*c == '\n' || (*c == '\r' && (c + 1 == at || c[1] != '\n'))) line++;
    return line;
}

/* The reason a file of this type cannot be read as text, for the message. */
static const char *props_not_regular(mode_t mode) {
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device";
    if (S_ISFIFO(mode)) return "is a pipe";
    if (S_ISSOCK(mode)) return "is a socket";
    return "is not a regular file";
}

int props_file_load(const char *path, const char *what, size_t max_bytes, char **text_out,
                    size_t *len_out, char *err, size_t err_len) {
    *text_out = NULL;
    *len_out = 0;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_len, "%s: %s, not %s; allowed: a regular file", path,
                 props_not_regular(st.st_mode), what);
        close(fd);
        return -1;
    }
    if (st.st_size < 0 || (uintmax_t)st.st_size > max_bytes) {
        snprintf(err, err_len, "%s: %jd bytes, larger than %s may be (%zu bytes)", path,
                 (intmax_t)st.st_size, what, max_bytes);
        close(fd);
        return -1;
    }
    /* One byte more than the size stat() gave, so a file that grows while it is read is seen
     * to grow (and is then read up to the limit, no further). */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *text = malloc(cap + 1);
    int rc = text ? 0 : -1;
    if (!text) snprintf(err, err_len, "%s: out of memory (%zu bytes)", path, cap);
    while (rc == 0) {
        if (len == cap) {
            if (cap > max_bytes) {
                snprintf(err, err_len, "%s: grew past %zu bytes while it was read, larger than "
                         "%s may be", path, max_bytes, what);
                rc = -1;
                break;
            }
            size_t grown_cap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *grown = realloc(text, grown_cap + 1);
            if (!grown) {
                snprintf(err, err_len, "%s: out of memory (%zu bytes)", path, grown_cap);
                rc = -1;
                break;
            }
            text = grown;
            cap = grown_cap;
        }
        ssize_t got = read(fd, text + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
            rc = -1;
        }
        if (got <= 0) break;
        len += (size_t)got;
    }
    close(fd);
    if (rc != 0) {
        free(text);
        return -1;
    }
    text[len] = '\0';
    *text_out = text;
    *len_out = len;
    return 0;
}

int props_read_file(props *p, const char *path, char *err, size_t err_len) {
    char *text = NULL;
    size_t len = 0;
    if (props_file_load(path, "a properties file", PROPS_FILE_MAX, &text, &len, err,
                        err_len) != 0) {
        return -1;
    }
    /* A UTF-8 byte-order mark, which some Windows editors write first, is not part of the first
     * key: skipped, as a Reader over UTF-8 text would be expected to (Java's does not, and then
     * reports an unknown key whose first character cannot be seen). */
    size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    int rc = props_read_text(p, path, text + skip, len - skip, err, err_len);
    free(text);
    return rc;
}

int props_add_arg(props *p, const char *arg, char *err, size_t err_len) {
    const char *eq = strchr(arg, '=');
    if (!eq) {
        snprintf(err, err_len, "argument '%s': expected key=value", arg);
        return -1;
    }
    const char *k = arg, *k_end = eq;
    while (k < k_end && props_blank(*k)) k++;
    while (k_end > k && props_blank(k_end[-1])) k_end--;
    if (k == k_end) {
        snprintf(err, err_len, "argument '%s': the key before '=' is empty", arg);
        return -1;
    }
    const char *v = eq + 1;
    while (props_blank(*v)) v++;
    const char *file = props_source(p, "argument");
    size_t key_len = (size_t)(k_end - k), value_len = strlen(v);
    char *key = malloc(key_len + 1), *value = malloc(value_len + 1);
    if (!file || !key || !value) {
        free(key);
        free(value);
        snprintf(err, err_len, "argument '%s': out of memory", arg);
        return -1;
    }
    memcpy(key, k, key_len);
    key[key_len] = '\0';
    memcpy(value, v, value_len + 1);
    if (props_push(p, key, value, file, 0) != 0) {
        snprintf(err, err_len, "argument '%s': out of memory", arg);
        return -1;
    }
    return 0;
}

bool props_file_is_blank(const char *path) {
    char *text = NULL, err[16];
    size_t len = 0;
    if (props_file_load(path, "a properties file", PROPS_FILE_MAX, &text, &len, err,
                        sizeof err) != 0) {
        return true;
    }
    size_t i = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    while (i < len && strchr(" \t\f\n\r", text[i]) && text[i] != '\0') i++;
    free(text);
    return i == len;
}
