/*
 * load.c: the inputs of a subcommand (.properties files and key=value arguments) into one
 * effective configuration, and the parsing of numeric options.
 *
 * Inputs are read in the order given into one property list, so a later file or argument
 * overrides an earlier one for every key (and kafka.version, read first, is the last one set).
 * An input is a property when it contains '=' and is not an existing file; everything else is
 * a file. A file may be empty; a run with no inputs at all is the defaults of kafka.version.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "properties.h"

/* True when path names something stat() can see (a file the user meant to read). */
static bool load_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int cli_load_config(config *c, char **inputs, int input_count, char *err, size_t err_len) {
    props p;
    props_init(&p);
    int rc = 0;
    for (int i = 0; i < input_count && rc == 0; i++) {
        const char *in = inputs[i];
        if (strchr(in, '=') && !load_is_file(in)) rc = props_add_arg(&p, in, err, err_len);
        else rc = props_read_file(&p, in, err, err_len);
    }
    config_defaults(c, 0);
    if (rc == 0) rc = config_apply(c, &p, err, err_len);
    if (rc == 0) rc = config_finish(c, err, err_len);
    props_fini(&p);
    return rc;
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
