/*
 * test_properties.c: the .properties reader against java.util.Properties.load(), rule by rule,
 * and every error message it gives.
 *
 * Expected values follow the JDK's Properties.LineReader and loadConvert; where the reader
 * departs on purpose (UTF-8, \u0000, unpaired surrogates, NUL bytes, over-long lines) the test
 * pins the departure.
 */
#include <stdlib.h>
#include <string.h>

#include "properties.h"
#include "test.h"

/* Reads text; returns the property count, or -1 (message in err). */
static int read_text(props *p, const char *text, char *err, size_t err_len) {
    props_fini(p);
    props_init(p);
    if (props_read_text(p, "t.properties", text, strlen(text), err, err_len) != 0) return -1;
    return (int)p->count;
}

static void test_separators(void) {
    props p;
    char err[256];
    props_init(&p);
    CHECK_EQ(read_text(&p, "a=1\nb: 2\nc 3\nd\t=\t4\ne :5\nf = = 6\n", err, sizeof err), 6);
    CHECK_STR(p.items[0].key, "a");
    CHECK_STR(p.items[0].value, "1");
    CHECK_STR(p.items[1].key, "b");
    CHECK_STR(p.items[1].value, "2");
    CHECK_STR(p.items[2].key, "c");
    CHECK_STR(p.items[2].value, "3");
    CHECK_STR(p.items[3].key, "d");
    CHECK_STR(p.items[3].value, "4");
    CHECK_STR(p.items[4].key, "e");
    CHECK_STR(p.items[4].value, "5");
    /* Only the first separator is one; the second '=' starts the value. */
    CHECK_STR(p.items[5].key, "f");
    CHECK_STR(p.items[5].value, "= 6");

    /* A key alone has an empty value; trailing blanks of a value are kept. */
    CHECK_EQ(read_text(&p, "lonely\nspaced = v  \n   indented=x\n", err, sizeof err), 3);
    CHECK_STR(p.items[0].key, "lonely");
    CHECK_STR(p.items[0].value, "");
    CHECK_STR(p.items[1].value, "v  ");
    CHECK_STR(p.items[2].key, "indented");
    CHECK_EQ(p.items[2].line, 3);

    /* Escaped separators belong to the key. */
    CHECK_EQ(read_text(&p, "a\\=b\\:c\\ d=v\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].key, "a=b:c d");
    CHECK_STR(p.items[0].value, "v");
    props_fini(&p);
}

static void test_comments_and_blank_lines(void) {
    props p;
    char err[256];
    props_init(&p);
    const char *text = "# comment\n! also\n   # indented comment\n\n \t \f\nk=v # not a comment\n"
                       "# a comment ending in a backslash does not continue \\\nnext=1\n";
    CHECK_EQ(read_text(&p, text, err, sizeof err), 2);
    CHECK_STR(p.items[0].value, "v # not a comment");
    CHECK_EQ(p.items[0].line, 6);
    CHECK_STR(p.items[1].key, "next");
    CHECK_EQ(p.items[1].line, 8);
    CHECK_EQ(read_text(&p, "", err, sizeof err), 0);
    CHECK_EQ(read_text(&p, "# only a comment", err, sizeof err), 0);
    props_fini(&p);
}

static void test_line_ends_and_continuations(void) {
    props p;
    char err[256];
    props_init(&p);
    CHECK_EQ(read_text(&p, "a=1\r\nb=2\rc=3\nd=4", err, sizeof err), 4);
    CHECK_EQ(p.items[1].line, 2);
    CHECK_EQ(p.items[2].line, 3);
    CHECK_STR(p.items[3].value, "4");
    CHECK_EQ(p.items[3].line, 4);

    /* Leading blanks of a continuation line go; a '#' there is text. */
    CHECK_EQ(read_text(&p, "list = a, \\\n    b, \\\n#c\nafter=1\n", err, sizeof err), 2);
    CHECK_STR(p.items[0].value, "a, b, #c");
    CHECK_EQ(p.items[1].line, 4);

    /* Two backslashes are one literal backslash, not a continuation. */
    CHECK_EQ(read_text(&p, "path=c:\\\\dir\\\\\nx=1\n", err, sizeof err), 2);
    CHECK_STR(p.items[0].value, "c:\\dir\\");

    /* A blank continuation line ends the logical line. */
    CHECK_EQ(read_text(&p, "a=1\\\n   \nb=2\n", err, sizeof err), 2);
    CHECK_STR(p.items[0].value, "1");
    CHECK_STR(p.items[1].key, "b");

    /* A continuation at the end of the text is dropped; \r\n continues too. */
    CHECK_EQ(read_text(&p, "a=x\\", err, sizeof err), 1);
    CHECK_STR(p.items[0].value, "x");
    CHECK_EQ(read_text(&p, "a=x\\\r\n  y\r\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].value, "xy");

    /* A continuation in the key. */
    CHECK_EQ(read_text(&p, "ac\\\n  ks=all\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].key, "acks");

    /* At the end of the text LineReader keeps an empty continued line after \n, not after
     * \r\n (checked against the JDK's Properties.load). */
    CHECK_EQ(read_text(&p, "a=1\n\\\n", err, sizeof err), 2);
    CHECK_STR(p.items[1].key, "");
    CHECK_EQ(read_text(&p, "a=1\n\\\r\n", err, sizeof err), 1);
    CHECK_EQ(read_text(&p, "a=1\n\\", err, sizeof err), 2);

    /* A line of a single backslash: LineReader reads on as if at a new line. */
    CHECK_EQ(read_text(&p, "\\\n# comment\nk=v\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].key, "k");
    props_fini(&p);
}

static void test_escapes(void) {
    props p;
    char err[256];
    props_init(&p);
    CHECK_EQ(read_text(&p, "k=a\\tb\\nc\\rd\\fe\\qf\\\\g\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].value, "a\tb\nc\rd\fe" "qf\\g");
    CHECK_EQ(read_text(&p, "k=\\u0041\\u00e9\\u20AC\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].value, "A\xc3\xa9\xe2\x82\xac");
    /* A surrogate pair is one code point (U+1F600). */
    CHECK_EQ(read_text(&p, "k=\\uD83D\\uDE00\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].value, "\xf0\x9f\x98\x80");
    /* Escapes in keys; UTF-8 passes through. */
    CHECK_EQ(read_text(&p, "\\u006Bey=\xc3\xa9t\xc3\xa9\n", err, sizeof err), 1);
    CHECK_STR(p.items[0].key, "key");
    CHECK_STR(p.items[0].value, "\xc3\xa9t\xc3\xa9");
    props_fini(&p);
}

static void test_errors(void) {
    props p;
    char err[256];
    props_init(&p);
    const char *bad_u =
        "malformed \\uXXXX escape (four hex digits, not \\u0000, surrogates in pairs)";
    char want[256];
    snprintf(want, sizeof want, "t.properties:2: %s", bad_u);
    CHECK_EQ(read_text(&p, "a=1\nb=\\u12G4\n", err, sizeof err), -1);
    CHECK_STR(err, want);
    CHECK_EQ(read_text(&p, "a=1\nb=\\u12\n", err, sizeof err), -1);
    CHECK_STR(err, want);
    CHECK_EQ(read_text(&p, "a=1\nb=\\u0000\n", err, sizeof err), -1);
    CHECK_STR(err, want);
    CHECK_EQ(read_text(&p, "a=1\nb=\\uD83D\n", err, sizeof err), -1);
    CHECK_STR(err, want);
    CHECK_EQ(read_text(&p, "a=1\nb=\\uDE00x\n", err, sizeof err), -1);
    CHECK_STR(err, want);

    /* A NUL byte: the line it is on. */
    const char nul[] = "a=1\r\nb=2\n\0c=3\n";
    CHECK_EQ(props_read_text(&p, "bin.dat", nul, sizeof nul - 1, err, sizeof err), -1);
    CHECK_STR(err, "bin.dat:3: binary data (a NUL byte) in a properties file");

    /* A logical line over PROPS_LINE_MAX, also when made of continuations. */
    size_t n = PROPS_LINE_MAX + PROPS_LINE_MAX / 8;
    char *big = malloc(n + 8);
    memcpy(big, "\nk=", 3);
    memset(big + 3, 'x', n - 3);
    big[n] = '\0';
    CHECK_EQ(props_read_text(&p, "big.properties", big, n, err, sizeof err), -1);
    CHECK_STR(err, "big.properties:2: line longer than 1048576 bytes");
    for (size_t i = 100; i + 2 < n; i += 100) {
        big[i] = '\\';
        big[i + 1] = '\n';
    }
    CHECK_EQ(props_read_text(&p, "big.properties", big, n, err, sizeof err), -1);
    CHECK_STR(err, "big.properties:2: line longer than 1048576 bytes");
    free(big);

    /* A line of exactly PROPS_LINE_MAX bytes is fine. */
    char *edge = malloc(PROPS_LINE_MAX + 1);
    memset(edge, 'y', PROPS_LINE_MAX);
    edge[0] = 'k';
    edge[1] = '=';
    props_fini(&p);
    props_init(&p);
    CHECK_EQ(props_read_text(&p, "edge", edge, PROPS_LINE_MAX, err, sizeof err), 0);
    CHECK_EQ(p.count, 1);
    free(edge);

    CHECK_EQ(props_read_file(&p, "/nonexistent/x.properties", err, sizeof err), -1);
    CHECK_CONTAINS(err, "/nonexistent/x.properties: cannot open: ");
    props_fini(&p);
}

static void test_args_and_get(void) {
    props p;
    char err[256];
    props_init(&p);
    CHECK_EQ(props_add_arg(&p, "acks=1", err, sizeof err), 0);
    CHECK_EQ(props_add_arg(&p, " acks = all ", err, sizeof err), 0);
    CHECK_EQ(props_add_arg(&p, "fault.x=crash leader at 1s", err, sizeof err), 0);
    CHECK_EQ(props_add_arg(&p, "noequals", err, sizeof err), -1);
    CHECK_STR(err, "argument 'noequals': expected key=value");
    CHECK_EQ(props_add_arg(&p, "=v", err, sizeof err), -1);
    CHECK_STR(err, "argument '=v': the key before '=' is empty");
    CHECK_EQ(p.count, 3);
    CHECK_STR(p.items[1].key, "acks");
    CHECK_STR(p.items[1].value, "all ");
    CHECK_STR(p.items[0].file, "argument");
    CHECK_EQ(p.items[0].line, 0);
    /* The later assignment wins; files and arguments mix in order. */
    CHECK_STR(props_get(&p, "acks")->value, "all ");
    CHECK(props_get(&p, "missing") == NULL);
    CHECK_EQ(props_read_text(&p, "f", "acks=0\n", 7, err, sizeof err), 0);
    CHECK_STR(props_get(&p, "acks")->value, "0");
    CHECK_STR(props_get(&p, "acks")->file, "f");
    /* Source names are stored once however often they are read. */
    CHECK_EQ(props_read_text(&p, "f", "a=1\n", 4, err, sizeof err), 0);
    CHECK_EQ(p.source_count, 2);
    props_fini(&p);
}

static void test_read_file(void) {
    const char *dir = getenv("KAFKASIM_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/syntax.properties", dir ? dir : ".");
    props p;
    char err[1200];
    props_init(&p);
    CHECK_EQ(props_read_file(&p, path, err, sizeof err), 0);
    CHECK_EQ(p.count, 4);
    if (p.count == 4) {
        CHECK_STR(p.items[0].key, "acks");
        CHECK_STR(p.items[0].value, "all");
        CHECK_STR(p.items[1].key, "max.in.flight.requests.per.connection");
        CHECK_STR(p.items[1].value, "5");
        CHECK_STR(p.items[2].key, "fault.crash1");
        CHECK_STR(p.items[2].value, "crash leader at 2s for 10s");
        CHECK_EQ(p.items[2].line, 8);
        CHECK_STR(p.items[3].value, "1000");
        CHECK_STR(p.items[0].file, path);
    }
    props_fini(&p);
}

int main(void) {
    test_separators();
    test_comments_and_blank_lines();
    test_line_ends_and_continuations();
    test_escapes();
    test_errors();
    test_args_and_get();
    test_read_file();
    return test_result("test_properties");
}
