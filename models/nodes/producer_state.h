/*
 * producer_state.h: the broker-side idempotent producer state of one partition replica
 * (ProducerStateManager): producer id -> {epoch, the last <= 5 batches, last timestamp}, its
 * snapshots, its rebuild after a crash or a truncation, and expiry.
 *
 * Follows, in apache/kafka storage/.../internals/log/: ProducerStateEntry.java (the 5-batch
 * deque, findDuplicateBatch), ProducerAppendInfo.java (checkProducerEpoch, checkSequence),
 * ProducerStateManager.java (takeSnapshot, truncateAndReload, removeExpiredProducers),
 * UnifiedLog (analyzeAndValidateProducerState). kafka-semantics.md sections 1.1-1.5.
 *
 * Invariants (pstate_check): entries sorted by producer id (so every walk is in id order, never
 * hash order), ids[i] the producer id of entries[i]; each entry holds at most
 * pstate_batches_retained() batches, oldest first, with increasing last offsets; snapshots
 * sorted by offset.
 *
 * Version switches (kafka.version, major*10000+minor*100+patch): 0.11 retains 1 batch and
 * answers an unknown producer with seq != 0 by OUT_OF_ORDER_SEQUENCE_NUMBER; 1.0-2.4 answer it
 * with UNKNOWN_PRODUCER_ID; 2.1-2.4 also when the epoch matches but no sequence is known
 * (KAFKA-7298); 1.0.x answers a duplicate older than the window with DUPLICATE_SEQUENCE_NUMBER
 * (KIP-192, removed by KAFKA-6683 in 1.1); 2.5+ accepts an unknown producer at any sequence
 * (KAFKA-8710, KIP-360).
 *
 * Transactions (KIP-98; ProducerAppendInfo.appendDataBatch/appendEndTxnMarker, PSM
 * ongoingTxns/unreplicatedTxns/completeTxn/lastStableOffset/onHighWatermarkUpdated): an entry
 * keeps currentTxnFirstOffset (the first offset of the producer's open transaction) and the
 * coordinator epoch of its last marker; the state keeps the open transactions (ongoing, by first
 * offset) and the completed ones whose marker the high watermark has not passed yet
 * (unreplicated). A transactional batch with no open transaction opens one; a control batch
 * (an end-transaction marker) closes it, takes the marker's epoch (clearing the batch cache when
 * it rose) and coordinator epoch, and the transaction becomes unreplicated until the high
 * watermark passes its marker. The first unstable offset is the least first offset of both
 * lists: the log's last stable offset is min(high watermark, first unstable offset). Snapshots
 * keep currentTxnFirstOffset and the coordinator epoch (writeSnapshot), so a load reopens the
 * ongoing transactions (loadProducerEntry) and forgets the unreplicated ones; a producer with an
 * open transaction never expires (isProducerExpired).
 *
 * Verification (KIP-890 part 1, 3.6+; UnifiedLog.maybeStartTransactionVerification,
 * PSM.maybeCreateVerificationStateEntry, VerificationStateEntry, VerificationGuard): a leader
 * about to verify a producer's first transactional batch keeps a VerificationStateEntry per
 * producer (a guard, the lowest sequence and the epoch it saw, its creation time); the append
 * that follows the coordinator's answer must carry that guard, else INVALID_TXN_STATE; any
 * transactional batch or marker appended for the producer removes the entry (updateProducers),
 * so a guard that an abort marker overtook no longer matches (the ABA case of UnifiedLog's
 * comment). Entries live in memory only (a crash forgets them) and expire with
 * producer.id.expiration.ms (removeExpiredProducers).
 *
 * Left out: snapshot corruption, the "clean shutdown without snapshot skips the rebuild" upgrade path, the late
 * transaction check (hasLateTransaction: a metric), and retention-driven removal (KAFKA-7190;
 * the model has no retention).
 */
#ifndef KAFKASIM_PRODUCER_STATE_H
#define KAFKASIM_PRODUCER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "protocol.h"

#define PSTATE_BATCHES_MAX 5 /* ProducerStateEntry.NUM_BATCHES_TO_RETAIN */

/* BatchMetadata: one cached batch. firstSeq and the first offset are kept explicitly instead
 * of Kafka's offsetDelta; they carry the same information. An entry stores its batches split
 * (sequences apart from offsets, see pstate_entry); pstate_entry_batch puts one together. */
typedef struct pstate_batch {
    int32_t first_sequence; /* base sequence of the batch */
    int32_t last_sequence;  /* last sequence of the batch */
    int64_t first_offset;   /* base offset in the log, offsets */
    int64_t last_offset;    /* last offset in the log, offsets */
    int64_t timestamp_ns;   /* the batch's max timestamp, ns */
} pstate_batch;

/* A cached batch's offsets and timestamp: read only for a duplicate's answer and the checks. */
typedef struct pstate_batch_offsets {
    int64_t first_offset; /* base offset in the log, offsets */
    int64_t last_offset;  /* last offset in the log, offsets */
    int64_t timestamp_ns; /* the batch's max timestamp, ns */
} pstate_batch_offsets;

/* ProducerStateEntry. Its batches (the deque of BatchMetadata) are a ring of
 * PSTATE_BATCHES_MAX slots, the oldest at batch_head: a push writes one slot instead of
 * sliding the window. The first 64 bytes hold what validating a batch reads (epoch, the
 * cached sequence ranges) and what appending one writes besides its offsets; entries are
 * 64-byte aligned, so that is one cache line. */
typedef struct pstate_entry {
    int32_t first_sequence[PSTATE_BATCHES_MAX]; /* by ring slot: base sequences */
    int32_t last_sequence[PSTATE_BATCHES_MAX];  /* by ring slot: last sequences */
    int16_t producer_epoch;   /* the current epoch; PROTO_NO_PRODUCER_EPOCH while unknown */
    uint8_t batch_count;      /* batches cached, <= PSTATE_BATCHES_MAX */
    uint8_t batch_head;       /* ring slot of the oldest batch */
    int32_t coordinator_epoch; /* coordinatorEpoch of the last marker, -1 before any */
    int64_t last_timestamp_ns; /* lastTimestamp, for expiry, ns */
    int64_t txn_first_offset; /* currentTxnFirstOffset: first offset of the producer's open
                               * transaction, LOG_NO_OFFSET when none, offsets */
    int64_t producer_id;      /* the key (also in pstate.ids, where lookups read it) */
    pstate_batch_offsets offsets[PSTATE_BATCHES_MAX]; /* by ring slot */
} pstate_entry;

_Static_assert(sizeof(pstate_entry) % 64 == 0, "pstate entries stay 64-byte aligned in an array");

/* The ring slot of an entry's i-th oldest batch (i < PSTATE_BATCHES_MAX). */
static inline int pstate_entry_slot(const pstate_entry *e, int i) {
    int s = e->batch_head + i;
    return s >= PSTATE_BATCHES_MAX ? s - PSTATE_BATCHES_MAX : s;
}

/* An entry's i-th oldest cached batch (i < batch_count). */
static inline pstate_batch pstate_entry_batch(const pstate_entry *e, int i) {
    int s = pstate_entry_slot(e, i);
    return (pstate_batch){e->first_sequence[s], e->last_sequence[s], e->offsets[s].first_offset,
                          e->offsets[s].last_offset, e->offsets[s].timestamp_ns};
}

/* TxnMetadata: a transaction of one producer on this partition, open (last_offset
 * LOG_NO_OFFSET) or completed (last_offset: its marker's offset). */
typedef struct pstate_txn {
    int64_t producer_id;  /* whose */
    int64_t first_offset; /* its first batch's base offset, offsets */
    int64_t last_offset;  /* its marker's offset, LOG_NO_OFFSET while open, offsets */
} pstate_txn;

/* CompletedTxn: what a marker closed (ProducerAppendInfo.appendEndTxnMarker). */
typedef struct pstate_completed {
    int64_t producer_id;  /* whose */
    int64_t first_offset; /* the transaction's first offset, offsets */
    int64_t last_offset;  /* the marker's offset, offsets */
    bool aborted;         /* an ABORT marker */
} pstate_completed;

/* VerificationStateEntry of one producer; guard 0 is VerificationGuard.SENTINEL, never an
 * entry's. */
typedef struct pstate_verification {
    int64_t producer_id;     /* whose */
    int64_t timestamp_ns;    /* creation, for expiry */
    uint32_t guard;          /* its VerificationGuard (a number unique in this state) */
    int32_t lowest_sequence; /* the lowest base sequence seen at this epoch */
    int16_t epoch;           /* the highest epoch seen */
} pstate_verification;

/* A snapshot file <offset>.snapshot: every entry with ONE batch (writeSnapshot). */
typedef struct pstate_snapshot {
    int64_t offset;      /* the snapshot's offset (lastMapOffset), offsets */
    size_t first_entry;  /* index of its first entry in the snapshot entry pool */
    size_t entry_count;  /* entries it holds */
} pstate_snapshot;

typedef struct pstate {
    /* What validating and appending a batch read first, together. */
    int64_t *ids;                /* owned: the entries' producer ids, in their order: a lookup
                                  * reads this compact array, not one line per entry */
    pstate_entry *entries;       /* owned, sorted by producer id, 64-byte aligned */
    size_t count;                /* entries live */
    int kafka_version;           /* kafka.version, for the outcome table's switches */
    bool transactional;          /* a transactional or control batch was seen: the checks and
                                  * the LSO bookkeeping of transactions apply (sticky) */
    bool txn_v2;                 /* transaction.version 2 (set by the owner after init): an
                                  * open transaction counts for verification only at its own
                                  * epoch (UnifiedLog.hasOngoingTransaction(pid, epoch), 4.0) */
    size_t ongoing_count;        /* open transactions */
    size_t verification_count;   /* verification entries live */
    size_t capacity;             /* entry (and id) slots allocated */
    pstate_snapshot *snapshots;  /* owned, sorted by offset */
    size_t snapshot_count;       /* snapshots on "disk" */
    size_t snapshot_capacity;    /* snapshot slots allocated */
    pstate_entry *snapshot_entries;   /* owned pool of snapshot entries, snapshot after snapshot */
    size_t snapshot_entry_count;      /* pool entries used */
    size_t snapshot_entry_capacity;   /* pool entries allocated */
    pstate_txn *ongoing;         /* owned: ongoingTxns, by first offset */
    size_t ongoing_capacity;     /* slots allocated */
    pstate_txn *unreplicated;    /* owned: unreplicatedTxns, by first offset */
    size_t unreplicated_count;   /* completed transactions the HW has not passed */
    size_t unreplicated_capacity; /* slots allocated */
    pstate_verification *verifications; /* owned: verificationStates, by producer id */
    size_t verification_capacity; /* slots allocated */
    uint32_t guard_next;         /* the last guard handed out */
} pstate;

/* The outcome of validating one client batch at the leader (analyzeAndValidateProducerState
 * then ProducerAppendInfo.appendDataBatch). */
typedef struct pstate_verdict {
    int16_t error;            /* proto_error; ERR_NONE to append or for a duplicate */
    bool duplicate;           /* a cached batch matched: answer with its offsets, no append */
    int64_t first_offset;     /* for a duplicate: the original base offset, offsets */
    int64_t last_offset;      /* for a duplicate: the original last offset, offsets */
} pstate_verdict;

/* Returns 0, or -1 when memory cannot be had (nothing to fini then). */
int pstate_init(pstate *ps, int kafka_version);
void pstate_fini(pstate *ps);

/* Batches each entry retains for this version: 5 from 1.0 (KAFKA-5494), 1 in 0.11. */
int pstate_batches_retained(const pstate *ps);

/* The entry of producer_id, or NULL. The pointer is valid until the next mutating call. */
const pstate_entry *pstate_entry_find(const pstate *ps, int64_t producer_id);

/* Validates a client batch in Kafka's order (section 1.2 steps 3 and 5): duplicate, epoch,
 * sequence, then (appendDataBatch) INVALID_TXN_STATE for a non-transactional batch of a
 * producer whose transaction is open. Does not change the state. A batch without a producer id
 * is always accepted. */
pstate_verdict pstate_validate(const pstate *ps, const proto_batch *b);

/* Validates an end-transaction marker the leader is about to write (appendEndTxnMarker, origin
 * COORDINATOR): INVALID_PRODUCER_EPOCH when its epoch is below the producer's
 * (checkProducerEpoch), TRANSACTION_COORDINATOR_FENCED when its coordinator epoch is below the
 * last marker's (checkCoordinatorEpoch); ERR_NONE otherwise, also for an unknown producer. */
int16_t pstate_validate_marker(const pstate *ps, const proto_batch *marker);

/* Records an appended data batch (b->base_offset assigned; not a control batch): updates the
 * epoch (clearing the cache on an epoch change, maybeUpdateProducerEpoch), pushes its metadata
 * and evicts the oldest beyond the retained count; a transactional batch of a producer without
 * an open transaction opens one at its base offset. Used by the leader after pstate_validate and
 * by followers without validation (origin REPLICATION). Returns 0 or -1 when memory ran out. */
int pstate_update(pstate *ps, const proto_batch *b);

/* Records any appended batch as a replay does (loadProducersFromRecords): a control batch as
 * pstate_update_marker without its completion, any other as pstate_update. */
int pstate_replay(pstate *ps, const proto_batch *b);

/* Records an appended end-transaction marker (a control batch, b->base_offset assigned):
 * without validation (the leader validated it with pstate_validate_marker), the producer's
 * epoch becomes the marker's (the batch cache is cleared when it changes), its coordinator
 * epoch the marker's, its lastTimestamp the marker's; an open transaction is closed and moves
 * to the unreplicated ones (completeTxn). When done is not NULL it receives what was closed and
 * the function returns 1; 0 when the producer had no open transaction (a marker re-sent after a
 * coordinator failover: no CompletedTxn), -1 when memory ran out. */
int pstate_update_marker(pstate *ps, const proto_batch *b, pstate_completed *done);

/* The last stable offset to index with an aborted transaction just completed
 * (PSM.lastStableOffset(completedTxn)): the first offset of the earliest transaction still
 * open, else the offset after the marker. Call after pstate_update_marker closed it. */
int64_t pstate_completed_lso(const pstate *ps, const pstate_completed *done);

/* The high watermark moved to hw (onHighWatermarkUpdated): completed transactions whose marker
 * is below it are replicated and no longer hold the last stable offset back. */
void pstate_on_high_watermark(pstate *ps, int64_t hw);

/* firstUnstableOffset: the least first offset of the open and the unreplicated transactions,
 * LOG_NO_OFFSET when there is none. */
int64_t pstate_first_unstable_offset(const pstate *ps);

/* UnifiedLog.lastStableOffset for a replica whose high watermark is hw: the first unstable
 * offset when it is below hw, else hw; unreplicated transactions whose marker is below hw count
 * as released (the pstate_on_high_watermark that a move to hw makes). */
int64_t pstate_last_stable_offset(const pstate *ps, int64_t hw);

/* UnifiedLog.maybeStartTransactionVerification for a producer's transactional batch of base
 * sequence seq at epoch: 0 (the sentinel: no verification needed) when the producer has a
 * transaction open here, else the guard of its VerificationStateEntry, created at now_ns if
 * missing, its lowest sequence and epoch updated (maybeUpdateLowestSequenceAndEpoch). Returns
 * -1 (as a uint32_t: UINT32_MAX) when memory ran out. */
uint32_t pstate_verification_start(pstate *ps, int64_t producer_id, int32_t seq, int16_t epoch,
                                   int64_t now_ns);

/* The verification checks of a transactional client batch about to be appended with guard (0:
 * none was asked for), in UnifiedLog.analyzeAndValidateProducerState's order after the
 * duplicate check: INVALID_TXN_STATE ("Record was not part of an ongoing transaction") when
 * the producer has no open transaction and its entry's guard is not guard
 * (batchMissingRequiredVerification); OUT_OF_ORDER_SEQUENCE_NUMBER when an entry exists and
 * the batch's sequence is above its lowest (ProducerAppendInfo.checkSequence); else
 * epoch_error, the error the epoch check gave (INVALID_PRODUCER_EPOCH comes before the
 * sequence check), or ERR_NONE. */
int16_t pstate_verification_check(const pstate *ps, const proto_batch *b, uint32_t guard,
                                  int16_t epoch_error);

/* Takes a snapshot at offset: every entry with only its last batch (writeSnapshot). Replaces a
 * snapshot at the same offset. Returns 0 or -1 when memory ran out. */
int pstate_snapshot_take(pstate *ps, int64_t offset);

/* Rebuilds the state for a log ending at target (truncateAndReload): deletes snapshots above
 * target, loads the latest snapshot at or below it (dropping entries expired at now_ns), and
 * replays the log's batches from the snapshot offset up to target. Without a snapshot the
 * replay starts at the log start. Returns 0 or -1 when memory ran out. */
int pstate_rebuild(pstate *ps, const log_replica *l, int64_t target, int64_t now_ns,
                   int64_t expiration_ns);

/* Loads the state of a replica whose broker restarts, clean or unclean, with its log ending
 * at l->log_end_offset (LogLoader.load). An unclean shutdown recovers every segment from the
 * recovery point on, the active one always (recoverLog), and recoverSegment rebuilds a
 * temporary state over the segment, then calls takeSnapshot() at its end; a clean shutdown
 * took that snapshot at the log end when it closed the log (UnifiedLog.close). Either way the
 * final rebuildProducerState loads a snapshot at the log end and replays nothing, so every
 * entry holds its last batch only (writeSnapshot). Returns 0 or -1 when memory ran out. */
int pstate_recover(pstate *ps, const log_replica *l, int64_t now_ns, int64_t expiration_ns);

/* Removes entries idle for expiration_ns or more at now_ns whose transaction is not open
 * (removeExpiredProducers, isProducerExpired); returns how many went. */
size_t pstate_expire(pstate *ps, int64_t now_ns, int64_t expiration_ns);

/* Forgets everything in memory (a process crash); snapshots stay. */
void pstate_clear(pstate *ps);

/* Walks the invariants of the file comment. NULL when they hold, else a static message. */
const char *pstate_check(const pstate *ps);

#endif
