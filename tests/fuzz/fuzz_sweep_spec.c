/*
 * fuzz_sweep_spec.c: libFuzzer target for sweep specs: arbitrary bytes read as a .sweep file
 * (properties.c) and parsed into axes, seeds and plots (sweep_spec_parse), then every cell's
 * properties built for the first cells, as `kafkasim sweep` does before it runs anything.
 *
 * The spec's path lies in a folder that does not exist, so a base = line is read and rejected
 * without touching the disk. Beyond "no crash, no leak, no undefined behaviour", it asserts the
 * invariants sweep_spec.h promises once a spec is accepted: every axis has a value, there is a
 * seed, and cells * seeds stay within SWEEP_RUNS_MAX.
 *
 * Built outside CMake by tests/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_spec.h"

#define FUZZ_PATH "/nonexistent-kafkasim-fuzz/fuzz.sweep"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_spec(const sweep_spec *s) {
    if (s->seed_count < 1) abort();
    for (size_t a = 0; a < s->axis_count; a++)
        if (s->axes[a].value_count < 1) abort();
    if (sweep_spec_run_count(s) > SWEEP_RUNS_MAX) abort();
    size_t cells = sweep_spec_cell_count(s);
    for (size_t cell = 0; cell < cells && cell < 4; cell++) {
        props out;
        char err[512];
        props_init(&out);
        (void)sweep_spec_cell_props(s, cell, s->seeds[0], &out, err, sizeof err);
        props_fini(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    props p;
    char err[1024];
    props_init(&p);
    err[0] = '\0';
    if (props_read_text(&p, FUZZ_PATH, (const char *)data, size, err, sizeof err) == 0) {
        sweep_spec s;
        sweep_spec_init(&s);
        if (sweep_spec_parse(&s, &p, FUZZ_PATH, err, sizeof err) == 0) fuzz_check_spec(&s);
        else if (err[0] == '\0') abort();
        sweep_spec_fini(&s);
    } else if (err[0] == '\0') {
        abort();
    }
    props_fini(&p);
    return 0;
}
