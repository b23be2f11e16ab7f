#define _POSIX_C_SOURCE 200809L /* open_memstream */
/*
 * fuzz_properties.c: libFuzzer target for the scenario input path: arbitrary bytes read as a
 * .properties file (properties.c), applied onto the defaults (config_apply) and validated
 * across keys (config_finish), as `kafkasim run FILE` does.
 *
 * What it asserts beyond "no crash, no leak, no undefined behaviour" (address and undefined
 * sanitizers run under it):
 * - every rejection writes a non-empty, NUL-terminated message that names the input;
 * - every property read carries a line within the text's line count;
 * - a configuration that was accepted is a fixed point: its printout (config_write, the text a
 *   run's replay command reproduces) read back gives the same config_hash.
 *
 * Built outside CMake by tests/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "properties.h"

#define FUZZ_NAME "fuzz.properties"

static void fuzz_check_message(const char *err) {
    if (err[0] == '\0' || strstr(err, FUZZ_NAME) == NULL) abort();
}

/* Reads text back from config_write's printout and checks the hash is unchanged. */
static void fuzz_round_trip(const config *c) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) return;
    config_write(c, out);
    fclose(out);
    props p;
    props_init(&p);
    config again;
    char err[512];
    config_defaults(&again, 0);
    if (props_read_text(&p, "printout", text, len, err, sizeof err) != 0 ||
        config_apply(&again, &p, err, sizeof err) != 0 || config_finish(&again, err, sizeof err)) {
        fprintf(stderr, "printout rejected: %s\n%s", err, text);
        abort();
    }
    if (config_hash(&again) != config_hash(c)) {
        fprintf(stderr, "printout reads back differently:\n%s", text);
        abort();
    }
    props_fini(&p);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    props p;
    char err[1024];
    props_init(&p);
    err[0] = '\0';
    if (props_read_text(&p, FUZZ_NAME, (const char *)data, size, err, sizeof err) != 0) {
        fuzz_check_message(err);
        props_fini(&p);
        return 0;
    }
    int lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n' || data[i] == '\r';
    for (size_t i = 0; i < p.count; i++) {
        if (p.items[i].line < 1 || p.items[i].line > lines) abort();
    }
    config c;
    config_defaults(&c, 0);
    err[0] = '\0';
    if (config_apply(&c, &p, err, sizeof err) != 0 || config_finish(&c, err, sizeof err) != 0) {
        if (err[0] == '\0') abort();
    } else {
        fuzz_round_trip(&c);
    }
    props_fini(&p);
    return 0;
}
