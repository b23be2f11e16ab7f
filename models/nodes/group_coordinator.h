/*
 * group_coordinator.h: the classic group coordinator of a broker (issue 19): the groups whose
 * __consumer_offsets partition the broker leads, their membership (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup: generations, the join barrier, session and rebalance timeouts) and
 * their committed offsets (OffsetCommit, TxnOffsetCommit, OffsetFetch), written to and loaded
 * from __consumer_offsets, a replicated partition like any other, so a coordinator crash fails
 * over and the next leader loads the group from its log.
 *
 * Kafka: core/src/main/scala/kafka/coordinator/group/GroupCoordinator.scala,
 * GroupMetadata.scala, GroupMetadataManager.scala (3.9; 4.0's group-coordinator module keeps
 * the classic rules). Design and sources: txn-consumer-semantics.md section 3.
 *
 * Like txn_coordinator.h, the coordinator is a role of its broker: broker.c hands it the
 * requests of the group APIs (and FindCoordinator with key type GROUP), and tells it of
 * elections, resignations and high-watermark moves of __consumer_offsets partitions, and of
 * transaction markers written to them (the completion of pending transactional offsets).
 */
#ifndef KAFKASIM_GROUP_COORDINATOR_H
#define KAFKASIM_GROUP_COORDINATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"
#include "sim.h"

struct broker;

/* The time from an election to a loaded __consumer_offsets partition (the loading thread and
 * the log read; a simplification: Kafka's depends on the log's size). */
#define GROUP_LOAD_NS (1 * SIM_MS)

typedef struct group_coord group_coord;

/* The coordinator of broker b (NULL when memory ran out). b's env.group_records must be set. */
group_coord *group_coord_new(struct broker *b);
void group_coord_free(group_coord *gc);

/* The broker (re)started. */
void group_coord_start(group_coord *gc);
/* The process died: everything in memory is gone. */
void group_coord_forget(group_coord *gc);

/* The broker's current request of client is one of the group APIs (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, TxnOffsetCommit, OffsetFetch) or a FindCoordinator with
 * key type GROUP: answer it, now or later. */
void group_coord_on_request(group_coord *gc, node_id client);

/* Partition g (of __consumer_offsets) changed leadership on this broker. */
void group_coord_on_elected(group_coord *gc, int g);
void group_coord_on_resigned(group_coord *gc, int g);
/* Partition g's high watermark moved: appends it passed are durable (storeGroup and offset
 * commit callbacks). */
void group_coord_on_hw(group_coord *gc, int g);
/* A transaction marker of producer pid (commit or abort) is below g's high watermark: its
 * pending transactional offsets complete or vanish (GroupMetadataManager.
 * scheduleHandleTxnCompletion). */
void group_coord_on_txn_marker(group_coord *gc, int g, int64_t pid, bool commit);

/* For tests and checks: the coordinator's view of the group, false when it does not
 * coordinate it. */
typedef struct group_view {
    int state;                  /* proto_group_state */
    int32_t generation;
    int members;
    proto_member_id leader;
    int pending_offsets;        /* transactional offsets awaiting their marker */
} group_view;
bool group_coord_view(const group_coord *gc, group_view *out);
/* The offset OffsetFetch would return for input partition g (-1 none). */
int64_t group_coord_committed(const group_coord *gc, int g);

#endif
