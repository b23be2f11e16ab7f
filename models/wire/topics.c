/*
 * topics.c: the topic table (see topics.h): names, the global partition index and the display
 * names of Kafka's TopicPartition.
 */
#include "topics.h"

#include <stdio.h>
#include <string.h>

bool transactional_id_valid(const char *text, size_t len) {
    if (len < 1 || len > TXN_ID_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool topic_name_valid(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > TOPIC_NAME_MAX) return false;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return false;
    for (const char *s = name; *s; s++) {
        bool ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                  (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-';
        if (!ok) return false;
    }
    return true;
}

void topic_table_init(topic_table *t) { memset(t, 0, sizeof *t); }

static int topic_table_append(topic_table *t, const char *name, int count,
                              int replication_factor, int min_insync_replicas, bool internal) {
    if (!topic_name_valid(name) || topic_table_find(t, name) >= 0 || count < 1 ||
        t->topic_count >= TOPICS_MAX || count > TOPIC_PARTITIONS_MAX - t->partition_count)
        return -1;
    topic_info *info = &t->topics[t->topic_count];
    snprintf(info->name, sizeof info->name, "%s", name);
    info->first = t->partition_count;
    info->count = count;
    info->replication_factor = replication_factor;
    info->min_insync_replicas = min_insync_replicas;
    info->internal = internal;
    t->partition_count += count;
    return t->topic_count++;
}

int topic_table_add(topic_table *t, const char *name, int count, int replication_factor,
                    int min_insync_replicas) {
    /* Workload topics precede internal ones, so that adding those moves no workload g. */
    if (t->workload_topics != t->topic_count) return -1;
    int i = topic_table_append(t, name, count, replication_factor, min_insync_replicas, false);
    if (i >= 0) {
        t->workload_topics = t->topic_count;
        t->workload_partitions = t->partition_count;
    }
    return i;
}

int topic_table_add_output(topic_table *t, const char *name, int count, int replication_factor,
                           int min_insync_replicas) {
    if (t->workload_topics != t->topic_count || t->output_partitions) return -1;
    int i = topic_table_append(t, name, count, replication_factor, min_insync_replicas, false);
    if (i >= 0) t->output_partitions = count;
    return i;
}
int topic_table_add_internal(topic_table *t, const char *name, int count, int replication_factor,
                             int min_insync_replicas) {
    return topic_table_append(t, name, count, replication_factor, min_insync_replicas, true);
}

int topic_table_find(const topic_table *t, const char *name) {
    for (int i = 0; i < t->topic_count; i++)
        if (strcmp(t->topics[i].name, name) == 0) return i;
    return -1;
}

int topic_table_topic_of(const topic_table *t, int g) {
    int lo = 0, hi = t->topic_count - 1; /* the last topic whose first <= g */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (t->topics[mid].first <= g) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

int topic_table_g(const topic_table *t, int topic, int number) {
    if (topic < 0 || topic >= t->topic_count || number < 0 || number >= t->topics[topic].count)
        return -1;
    return t->topics[topic].first + number;
}

const char *topic_table_name(const topic_table *t, int g, char *buf, size_t len) {
    if (g < 0 || g >= t->partition_count) {
        snprintf(buf, len, "partition-%d", g);
        return buf;
    }
    const topic_info *info = topic_table_info(t, g);
    snprintf(buf, len, "%s-%d", info->name, g - info->first);
    return buf;
}

int topic_table_parse(const topic_table *t, const char *text) {
    const char *dash = strrchr(text, '-');
    if (!dash || dash == text || dash[1] == '\0') return -1;
    size_t name_len = (size_t)(dash - text);
    if (name_len > TOPIC_NAME_MAX) return -1;
    char name[TOPIC_NAME_MAX + 1];
    memcpy(name, text, name_len);
    name[name_len] = '\0';
    long number = 0;
    for (const char *s = dash + 1; *s; s++) {
        if (*s < '0' || *s > '9' || number > TOPIC_PARTITIONS_MAX) return -1;
        number = number * 10 + (*s - '0');
    }
    return topic_table_g(t, topic_table_find(t, name), (int)number);
}
