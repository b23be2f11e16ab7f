/*
 * fuzz_fault.c: libFuzzer target for the fault language (fault_parse.c): arbitrary bytes as one
 * fault line.
 *
 * Beyond "no crash, no undefined behaviour", it asserts what fault_parse.h promises of a parsed
 * line: a rejection has a message naming a word; an accepted line has times that are not
 * negative, a probability within 0..1000000 ppm, a step count of at least 1 for a step crash,
 * broker ids in 1..PROTO_BROKERS_MAX, and target names that print.
 *
 * Built outside CMake by tests/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault_parse.h"

static void fuzz_check_target(const fault_target *t) {
    char name[32];
    if (t->kind == FAULT_TARGET_BROKER && (t->broker < 1 || t->broker > PROTO_BROKERS_MAX))
        abort();
    if (fault_target_name(t, name, sizeof name)[0] == '\0') abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* a fault line reaches the parser as a C string */
    fault_spec f;
    char err[1024]; /* the longest message lists every protocol step */
    err[0] = '\0';
    if (fault_parse(text, &f, err, sizeof err) != 0) {
        if (strstr(err, "word") == NULL && strstr(err, "empty") == NULL) abort();
        free(text);
        return 0;
    }
    if (f.at_ns < 0 || f.from_ns < 0 || f.to_ns < f.from_ns) abort();
    if (f.for_ns < -1 || f.delay_ns < 0 || f.ppm > 1000000u) abort();
    if (f.on_step && f.step_n < 1) abort();
    fuzz_check_target(&f.a);
    if (f.kind == FAULT_PARTITION || f.kind == FAULT_DROP || f.kind == FAULT_BREAK ||
        f.kind == FAULT_DELAY)
        fuzz_check_target(&f.b);
    free(text);
    return 0;
}
