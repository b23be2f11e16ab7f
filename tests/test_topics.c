/*
 * test_topics.c: the topic table (topics.h): the global partition index g over topics in
 * order, g -> (topic, partition) and back, the display name "orders-3" (Kafka's
 * TopicPartition.toString) read and written, and the limits of names, topics and partitions.
 */
#include <string.h>

#include "test.h"
#include "topics.h"

static void test_index(void) {
    topic_table t;
    topic_table_init(&t);
    CHECK_EQ(topic_table_add(&t, "orders", 12, 3, 2), 0);
    CHECK_EQ(topic_table_add(&t, "pay.ments_v-2", 1, 1, 1), 1);
    CHECK_EQ(topic_table_add(&t, "audit", 5, 2, 1), 2);
    CHECK_EQ(t.partition_count, 18);
    CHECK_EQ(t.topics[1].first, 12);
    CHECK_EQ(t.topics[2].first, 13);
    int want_topic[18], want_number[18];
    for (int g = 0; g < 18; g++) {
        want_topic[g] = g < 12 ? 0 : g == 12 ? 1 : 2;
        want_number[g] = g < 12 ? g : g == 12 ? 0 : g - 13;
    }
    char buf[TOPIC_NAME_MAX + 8];
    for (int g = 0; g < 18; g++) {
        CHECK_EQ(topic_table_topic_of(&t, g), want_topic[g]);
        CHECK_EQ(topic_table_number(&t, g), want_number[g]);
        CHECK_EQ(topic_table_g(&t, want_topic[g], want_number[g]), g);
        CHECK_EQ(topic_table_parse(&t, topic_table_name(&t, g, buf, sizeof buf)), g);
    }
    CHECK_STR(topic_table_name(&t, 3, buf, sizeof buf), "orders-3");
    CHECK_STR(topic_table_name(&t, 12, buf, sizeof buf), "pay.ments_v-2-0");
    CHECK_STR(topic_table_name(&t, 17, buf, sizeof buf), "audit-4");
    CHECK_STR(topic_table_name(&t, 18, buf, sizeof buf), "partition-18");
    CHECK_EQ(topic_table_info(&t, 5)->min_insync_replicas, 2);
    CHECK_EQ(topic_table_info(&t, 14)->replication_factor, 2);
    /* Names that are no partition of the table. */
    CHECK_EQ(topic_table_parse(&t, "orders-12"), -1);
    CHECK_EQ(topic_table_parse(&t, "orders"), -1);
    CHECK_EQ(topic_table_parse(&t, "orders-"), -1);
    CHECK_EQ(topic_table_parse(&t, "orders-1x"), -1);
    CHECK_EQ(topic_table_parse(&t, "-1"), -1);
    CHECK_EQ(topic_table_parse(&t, "nope-0"), -1);
    CHECK_EQ(topic_table_parse(&t, "pay.ments_v-2"), -1); /* topic pay.ments_v has no partition 2 */
    CHECK_EQ(topic_table_g(&t, 3, 0), -1);
    CHECK_EQ(topic_table_g(&t, 0, -1), -1);
}

static void test_limits(void) {
    topic_table t;
    topic_table_init(&t);
    char long_name[TOPIC_NAME_MAX + 2];
    memset(long_name, 'x', sizeof long_name);
    long_name[TOPIC_NAME_MAX] = '\0';
    CHECK(topic_name_valid(long_name));
    long_name[TOPIC_NAME_MAX] = 'x';
    long_name[TOPIC_NAME_MAX + 1] = '\0';
    CHECK(!topic_name_valid(long_name));
    CHECK(!topic_name_valid(""));
    CHECK(!topic_name_valid("."));
    CHECK(!topic_name_valid(".."));
    CHECK(!topic_name_valid("a b"));
    CHECK(!topic_name_valid("a/b"));
    CHECK(topic_name_valid("..."));
    CHECK_EQ(topic_table_add(&t, "a b", 1, 1, 1), -1);
    CHECK_EQ(topic_table_add(&t, "a", 0, 1, 1), -1);
    CHECK_EQ(topic_table_add(&t, "a", TOPIC_PARTITIONS_MAX, 1, 1), 0);
    CHECK_EQ(topic_table_add(&t, "a", 1, 1, 1), -1); /* twice */
    CHECK_EQ(topic_table_add(&t, "b", 1, 1, 1), -1); /* past TOPIC_PARTITIONS_MAX */
    CHECK_EQ(t.topic_count, 1);
    CHECK_EQ(t.partition_count, TOPIC_PARTITIONS_MAX);
    topic_table_init(&t);
    char name[8];
    for (int i = 0; i < TOPICS_MAX; i++) {
        snprintf(name, sizeof name, "t%d", i);
        CHECK_EQ(topic_table_add(&t, name, 1, 1, 1), i);
    }
    CHECK_EQ(topic_table_add(&t, "one-more", 1, 1, 1), -1);
    CHECK_EQ(topic_table_topic_of(&t, TOPICS_MAX - 1), TOPICS_MAX - 1);
}

int main(void) {
    test_index();
    test_limits();
    return test_result("test_topics");
}
