/*
 * group_records.h: the records of __consumer_offsets (issue 19), shared by every broker as the
 * payload arena is: a batch of __consumer_offsets carries in its payload the index of its first
 * record here and in record_count how many follow. A record is immutable once added, so the
 * logs of every replica, the network and the judge name it by index.
 *
 * Kafka: GroupMetadataManager.scala and the generated OffsetCommitKey/Value and
 * GroupMetadataKey/Value (3.9). The judge replays the final log as loadGroupsAndOffsets does:
 * the last record of a key by log position wins; transactional offsets count only with a COMMIT
 * marker after them.
 */
#ifndef KAFKASIM_GROUP_RECORDS_H
#define KAFKASIM_GROUP_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define GROUP_RECORD_OFFSET 0   /* OffsetCommitValue of (group, partition) */
#define GROUP_RECORD_METADATA 1 /* GroupMetadataValue of the group */

typedef struct group_record {
    int64_t offset;             /* OFFSET: the committed offset; -1 a tombstone */
    int32_t generation;         /* OFFSET: the committer's generation (-1 none); METADATA: the
                                 * group's */
    int32_t leader_epoch;       /* OFFSET: the committed record's leader epoch, -1 none */
    proto_member_id member;     /* OFFSET: the committer; METADATA: the leader */
    uint32_t members_at;        /* METADATA: index in group_records.words of its members */
    uint16_t partition;         /* OFFSET: the input partition g */
    uint16_t member_count;      /* METADATA: members */
    uint8_t kind;               /* GROUP_RECORD_* */
    uint8_t state;              /* METADATA: proto_group_state (Empty or Stable) */
    uint8_t protocol;           /* METADATA: the chosen PROTO_ASSIGNOR_* */
    uint8_t group;              /* group index (0) */
} group_record;

/* METADATA members as words: for each [member_id, node, count, g ...]. */
typedef struct group_records {
    group_record *recs;
    uint32_t count, capacity;
    uint32_t *words;
    size_t words_count, words_capacity;
} group_records;

void group_records_init(group_records *r);
void group_records_fini(group_records *r);
/* Appends n records (copied); returns the index of the first, or UINT32_MAX when memory ran
 * out. */
uint32_t group_records_add(group_records *r, const group_record *recs, uint32_t n);
/* Appends n member words; returns the index of the first, or UINT32_MAX. */
uint32_t group_records_add_words(group_records *r, const uint32_t *words, size_t n);

#endif
