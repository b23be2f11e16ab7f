/*
 * load.c: the inputs of a subcommand (.properties files and key=value arguments) into one
 * effective configuration, and the parsing of numeric options.
 *
 * Inputs are read in the order given into one property list, so a later file or argument
 * overrides an earlier one for every key (and kafka.version, read first, is the last one set).
 * An input is a property when it contains '=' and is not an existing file; everything else is
 * a file. A run with no inputs at all is the defaults of kafka.version.
 *
 * An empty file (no bytes but blanks and line breaks) is an error, "no properties in FILE",
 * although java.util.Properties reads it as "all defaults": on a command line it is nearly
 * always a mistake (a truncated or not yet written file, a wrong name that another tool
 * created). A file that means "all defaults" says so with one comment line. Sweep specs and
 * their base files follow the same rule (sweep_spec.c), so every path reads files alike.
 *
 * A check across keys (config_finish) names the keys it compares; the message is prefixed with
 * the file:line where the first of them was set, so that every bad-input message names a place.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "properties.h"

/* True when path names something stat() can see (a file the user meant to read). */
static bool load_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Reads one file onto p. Anything but a regular file (props_read_file) and an empty file are
 * errors with a message. */
static int load_file(props *p, const char *path, char *err, size_t err_len) {
    size_t before = p->count;
    if (props_read_file(p, path, err, err_len) != 0) return -1;
    if (p->count == before && props_file_is_blank(path)) {
        snprintf(err, err_len, "no properties in %s (an empty file; a file with a comment line "
                 "runs the defaults on purpose)", path);
        return -1;
    }
    return 0;
}

/* The last setting in p of the first key, among the "key=value" words of message, that p sets
 * at all; NULL when every key the message names has its default. */
static const prop *load_named_prop(const props *p, const char *message) {
    for (const char *s = message; *s; s++) {
        bool starts = s == message || s[-1] == ' ' || s[-1] == '(';
        /* Key characters: topic.<name>.* keys hold a topic name ([a-zA-Z0-9._-]). */
        size_t len = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
        if (!starts || len == 0 || len >= 64 || s[len] != '=') continue;
        char key[64];
        memcpy(key, s, len);
        key[len] = '\0';
        const prop *where = props_get(p, key);
        if (where) return where;
    }
    return NULL;
}

/* True when message already starts with a place of p ("FILE:LINE: ..." or "argument: ..."),
 * as config_finish's messages about a fault line do. */
static bool load_names_place(const props *p, const char *message) {
    for (size_t i = 0; i < p->source_count; i++) {
        size_t n = strlen(p->sources[i]);
        if (strncmp(message, p->sources[i], n) == 0 && message[n] == ':') return true;
    }
    return false;
}

int cli_config_finish(config *c, const props *p, char *err, size_t err_len) {
    if (config_finish(c, err, err_len) == 0) return 0;
    /* config_finish names the keys it compares as "key=value"; the first one the user set is
     * where the contradiction shows, unless the message names its place already (a fault
     * line that names a producer beyond workload.producers=N). */
    if (load_names_place(p, err)) return -1;
    const prop *where = load_named_prop(p, err);
    if (!where) return -1;
    char what[1024];
    snprintf(what, sizeof what, "%s", err);
    if (where->line > 0) snprintf(err, err_len, "%s:%d: %s", where->file, where->line, what);
    else snprintf(err, err_len, "%s: %s", where->file, what);
    return -1;
}

int cli_load_config(config *c, char **inputs, int input_count, char *err, size_t err_len) {
    props p;
    props_init(&p);
    int rc = 0;
    for (int i = 0; i < input_count && rc == 0; i++) {
        const char *in = inputs[i];
        if (strchr(in, '=') && !load_is_file(in)) rc = props_add_arg(&p, in, err, err_len);
        else rc = load_file(&p, in, err, err_len);
    }
    config_defaults(c, 0);
    if (rc == 0) rc = config_apply(c, &p, err, err_len);
    if (rc == 0) rc = cli_config_finish(c, &p, err, err_len);
    props_fini(&p);
    return rc;
}

const char *cli_getopt_error(int opt, char **argv, char *buf, size_t len) {
    const char *word = optind > 0 ? argv[optind - 1] : "";
    const char *what = opt == ':' ? "option" : "unknown option";
    const char *tail = opt == ':' ? " needs a value" : "";
    if (strncmp(word, "--", 2) != 0 && optopt > 0 && optopt < 128) {
        /* A short option, perhaps inside a cluster ("-xs"): optopt is the letter. */
        snprintf(buf, len, "%s '-%c'%s", what, optopt, tail);
    } else {
        snprintf(buf, len, "%s '%.*s'%s", what, (int)strcspn(word, "="), word, tail);
    }
    return buf;
}

int cli_close(FILE *f, const char *path, char *err, size_t err_len) {
    bool failed = ferror(f) != 0;
    errno = 0;
    if (fflush(f) != 0) failed = true;
    int reason = errno;
    if (fclose(f) != 0) {
        failed = true;
        if (reason == 0) reason = errno;
    }
    if (!failed) return 0;
    snprintf(err, err_len, "%s: %s", path, reason ? strerror(reason) : "write error");
    return -1;
}

int cli_parse_u64(const char *option, const char *text, unsigned long long *out, char *err,
                  size_t err_len) {
    unsigned long long v = 0;
    const char *s = text;
    if (*s == '\0') {
        snprintf(err, err_len, "%s: expected a decimal number, got an empty string", option);
        return -1;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            snprintf(err, err_len, "%s: '%s' is not a decimal number", option, text);
            return -1;
        }
        unsigned d = (unsigned)(*s - '0');
        if (v > (18446744073709551615ULL - d) / 10) {
            snprintf(err, err_len, "%s: '%s' is out of range (at most 18446744073709551615)",
                     option, text);
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
