/*
 * log.h: one replica's log of one partition: record batches in offset order, the log end
 * offset, the high watermark, the flushed offset (Kafka's recovery point) and the leader-epoch
 * cache (leader-epoch-checkpoint).
 *
 * Follows storage/.../internals/log/UnifiedLog.java and LocalLog.java (append, truncateTo,
 * flush, roll) and LeaderEpochFileCache.java (assign, endOffsetFor, truncateFromEnd), KIP-101.
 *
 * Invariants (log_check walks them all; log_check_recent, after every event, what changed):
 * batches are contiguous from log_start_offset to log_end_offset;
 * high_watermark <= log_end_offset; flushed_offset <= log_end_offset; epoch cache entries have
 * strictly increasing epochs and non-decreasing start offsets, all <= log_end_offset.
 *
 * Durability (kafka-semantics.md 2.8): a power loss keeps what was fsynced (flushed_offset:
 * log.flush.interval.messages, and the old segment at every roll) and what the operating
 * system had written back. Linux's flusher threads wake every vm.dirty_writeback_centisecs and
 * write the pages dirty for longer than vm.dirty_expire_centisecs (Documentation/admin-guide/
 * sysctl/vm.rst; fs/fs-writeback.c wb_writeback for kupdate). The log keeps each batch's append
 * time and works out at the moment of a power loss which batches a wakeup had written back
 * (log_durable_offset), so the hot path pays one store per append and no timer. Wakeups are
 * taken at whole intervals from the machine's start (the run's start, or its last power loss);
 * Linux tracks dirtiness per inode and anchors the wakeups at the first dirtying, and starts
 * early above vm.dirty_background_ratio: both left out.
 *
 * Transactions (KIP-98): control batches (end-transaction markers) are batches like any other
 * here: appended, replicated and truncated with the log. The transaction index of the segments
 * (TransactionIndex, LogSegment.updateTxnIndex) is one list per log: an entry per aborted
 * transaction (producer id, first offset, the abort marker's offset, the last stable offset when
 * it was written), appended in marker order by every replica that appends the marker, and cut
 * with the log (TransactionIndex.truncateTo: entries whose marker is at or above the new end go).
 * A read_committed fetch returns the entries overlapping its range (collectAbortedTransactions).
 *
 * Left out: retention (the log start offset stays 0), compaction, index files other than the
 * transaction index, corruption.
 * Segments are modelled only by their size, because a roll is what takes a producer-state
 * snapshot and flushes the old segment (UnifiedLog.roll). The size of a batch on disk is
 * record_count * workload.record.bytes + LOG_BATCH_OVERHEAD_BYTES (DefaultRecordBatch's
 * RECORD_BATCH_OVERHEAD: the 61-byte v2 header; per-record framing is counted in the record
 * bytes).
 *
 * The type is log_replica, not "log", which <math.h> owns.
 */
#ifndef KAFKASIM_LOG_H
#define KAFKASIM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define LOG_BATCH_OVERHEAD_BYTES 61 /* DefaultRecordBatch.RECORD_BATCH_OVERHEAD */
#define LOG_NO_EPOCH ((int32_t)-1)  /* RecordBatch.NO_PARTITION_LEADER_EPOCH */
#define LOG_NO_OFFSET ((int64_t)-1) /* UNDEFINED_EPOCH_OFFSET */

/* One entry of the leader-epoch cache: epoch `epoch` began at offset start_offset. */
typedef struct log_epoch_entry {
    int32_t epoch;        /* leader epoch */
    int64_t start_offset; /* first offset written in that epoch, offsets */
} log_epoch_entry;

/* AbortedTxn: one entry of the transaction index. */
typedef struct log_aborted_txn {
    int64_t producer_id;        /* whose transaction */
    int64_t first_offset;       /* its first offset, offsets */
    int64_t last_offset;        /* its ABORT marker's offset, offsets */
    int64_t last_stable_offset; /* the LSO when the marker was written (lastStableOffset of the
                                 * completed transaction), offsets */
} log_aborted_txn;

typedef struct log_options {
    int64_t flush_interval_messages; /* log.flush.interval.messages; INT64_MAX never flushes */
    int64_t segment_bytes;           /* log.segment.bytes */
    int64_t record_bytes;            /* workload.record.bytes: bytes per record on disk */
    int64_t writeback_interval_ns;   /* vm.dirty_writeback_centisecs; 0: no periodic writeback */
    int64_t dirty_expire_ns;         /* vm.dirty_expire_centisecs */
} log_options;

typedef struct log_replica {
    proto_batch *batches;       /* owned; batches[i].base_offset increasing, contiguous */
    int64_t *append_ns;         /* owned; append_ns[i]: when batches[i] was appended, ns,
                                   non-decreasing */
    size_t count;               /* batches held */
    size_t capacity;            /* batch slots allocated */
    log_epoch_entry *epochs;    /* owned; the leader-epoch cache */
    size_t epoch_count;         /* entries held */
    size_t epoch_capacity;      /* entry slots allocated */
    int32_t latest_epoch;       /* the last entry's epoch, LOG_NO_EPOCH when none: kept here,
                                 * beside the offsets every append and fetch reads, so neither
                                 * reads the cache's array for it */
    int64_t latest_epoch_start; /* the last entry's start offset, LOG_NO_OFFSET when none */
    int64_t log_start_offset;   /* first offset held, offsets (always 0: no retention) */
    int64_t log_end_offset;     /* next offset to assign, offsets */
    int64_t high_watermark;     /* offsets below are committed as this replica knows, offsets */
    int64_t flushed_offset;     /* recovery point: offsets below were fsynced, offsets */
    int64_t boot_ns;            /* the machine's start: the flusher's wakeups count from it, ns */
    int64_t segment_base_offset; /* base offset of the active segment, offsets */
    int64_t segment_size_bytes; /* bytes in the active segment, bytes */
    log_options opt;            /* copied at init */
    log_aborted_txn *aborted;   /* owned: the transaction index, by last offset; NULL until
                                 * the first aborted transaction */
    size_t aborted_count;       /* entries held */
    size_t aborted_capacity;    /* entry slots allocated */
    size_t checked_count;       /* batches [0, checked_count) passed log_check_recent, batches */
    size_t checked_epoch_count; /* epoch entries that passed log_check_recent, entries */
} log_replica;

/* Returns 0, or -1 when memory cannot be had (nothing to fini then). */
int log_init(log_replica *l, const log_options *opt);
void log_fini(log_replica *l);

/* Bytes a batch takes on disk (see the file comment). */
int64_t log_batch_bytes(const log_replica *l, const proto_batch *b);

/* True when appending b must first roll to a new segment (LogSegment.shouldRoll on size: the
 * active segment is not empty and would pass log.segment.bytes). */
bool log_roll_due(const log_replica *l, const proto_batch *b);

/* Rolls: a new segment begins at the log end offset, and the old one is flushed (Kafka flushes
 * it asynchronously right after the roll, UnifiedLog.roll -> flushUptoOffsetExclusive). The
 * caller takes the producer-state snapshot at the returned offset (the new segment's base). */
int64_t log_roll(log_replica *l);

/* Appends a copy of *b at now_ns (not before the previous append), whose base_offset must
 * equal the log end offset and whose leader epoch must not be below the cache's latest
 * (asserted by the caller's contract, checked by log_check). Assigns the epoch start offset
 * when the batch opens a new epoch (LeaderEpochFileCache.assign), and flushes when
 * log.flush.interval.messages records are unflushed (UnifiedLog.append). Returns 0, or -1 when
 * memory ran out (log unaltered). */
int log_append(log_replica *l, const proto_batch *b, int64_t now_ns);
/* Makes room for at least batches batches up front, so that a log whose size the run can
 * foresee does not grow by copying. Returns 0, or -1 when memory cannot be had (the log is
 * unaltered and grows as it fills, as before). */
int log_reserve(log_replica *l, size_t batches);

/* Records that epoch starts at start_offset (a new leader's makeLeader ->
 * maybeAssignEpochStartOffset). Entries with an epoch >= epoch or a start offset above are
 * replaced. Returns 0 or -1 on memory exhaustion. */
int log_epoch_assign(log_replica *l, int32_t epoch, int64_t start_offset);

/* Removes every record at or above offset (LocalLog.truncateTo); an offset inside a batch
 * removes the whole batch. Clamps the high watermark and flushed offset, and drops epoch
 * entries starting at or above the new end (LeaderEpochFileCache.truncateFromEnd), also when
 * offset is at or past the end and no record goes; the transaction index loses the entries whose
 * marker goes. Returns the number of records removed. */
uint64_t log_truncate(log_replica *l, int64_t offset);

/* Appends an entry to the transaction index (LogSegment.updateTxnIndex for an aborted
 * CompletedTxn). Its last offset must be a marker held by the log, above every entry's.
 * Returns 0, or -1 when memory ran out (index unaltered). */
int log_aborted_add(log_replica *l, const log_aborted_txn *t);

/* collectAbortedTransactions(startOffset, upperBoundOffset): the index's entries of
 * transactions overlapping [from, upper): last offset >= from and first offset < upper, in
 * index order. Writes at most max of them to out and returns how many there are. */
size_t log_aborted_collect(const log_replica *l, int64_t from, int64_t upper,
                           log_aborted_txn *out, size_t max);

/* Moves the flushed offset to the log end offset (an fsync). */
void log_flush(log_replica *l);

/* The offset below which the log survives a power loss at now_ns: the fsynced prefix, or the
 * batches the last flusher wakeup at or before now_ns found dirty for at least
 * dirty_expire_ns, whichever reaches further. */
int64_t log_durable_offset(const log_replica *l, int64_t now_ns);

/* The machine loses power at now_ns: the log is truncated to log_durable_offset (the page
 * cache is gone) and the flusher's clock restarts. Returns the number of records removed. */
uint64_t log_power_loss(log_replica *l, int64_t now_ns);

/* The latest epoch in the cache, LOG_NO_EPOCH when empty. */
int32_t log_epoch_latest(const log_replica *l);

/* OffsetsForLeaderEpoch (LeaderEpochFileCache.endOffsetFor): for the requested epoch, writes
 * the largest epoch <= requested that the cache knows into *epoch_out and the offset where it
 * ended into *end_offset_out (the start of the next epoch, or the log end offset for the
 * latest). An epoch below every known one answers (requested, start of the first known). Both
 * are LOG_NO_EPOCH / LOG_NO_OFFSET for LOG_NO_EPOCH, an empty cache, or an epoch above the
 * latest. */
void log_epoch_end_offset(const log_replica *l, int32_t requested, int32_t *epoch_out,
                          int64_t *end_offset_out);

/* Index of the first batch whose base offset is >= offset (count when none). */
size_t log_batch_find(const log_replica *l, int64_t offset);

/* Index of the batch holding offset, or count when no batch holds it. */
size_t log_batch_holding(const log_replica *l, int64_t offset);

/* Walks the invariants of the file comment. Returns NULL when they hold, else a static
 * message naming the first broken one. */
const char *log_check(const log_replica *l);

/* The same invariants as log_check, at O(1) amortised cost: checks the scalars, and only the
 * batches and epoch entries added since the last call (every change to the log is at its tail,
 * and truncation lowers the checked marks), then marks them checked. Called after every event;
 * a prefix that passed stays checked until it is truncated away. Returns NULL or a static
 * message, as log_check. */
const char *log_check_recent(log_replica *l);

#endif
