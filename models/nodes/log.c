/*
 * log.c: the replica log of one partition (see log.h for what it models and leaves out).
 *
 * Follows UnifiedLog.java / LocalLog.java (append, truncateTo, flush, roll) and
 * LeaderEpochFileCache.java (assign, endOffsetFor, truncateFromEnd) of apache/kafka; leader
 * epochs as in KIP-101 and KIP-279.
 */
#include "log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define LOG_INITIAL_BATCHES 64
#define LOG_INITIAL_EPOCHS 8

/* latest_epoch and latest_epoch_start after a change of the entries. */
static void epochs_latest_update(log_replica *l) {
    l->latest_epoch = l->epoch_count ? l->epochs[l->epoch_count - 1].epoch : LOG_NO_EPOCH;
    l->latest_epoch_start = l->epoch_count ? l->epochs[l->epoch_count - 1].start_offset
                                           : LOG_NO_OFFSET;
}

int log_init(log_replica *l, const log_options *opt) {
    memset(l, 0, sizeof *l);
    l->opt = *opt;
    l->batches = malloc(LOG_INITIAL_BATCHES * sizeof *l->batches);
    l->append_ns = malloc(LOG_INITIAL_BATCHES * sizeof *l->append_ns);
    l->epochs = malloc(LOG_INITIAL_EPOCHS * sizeof *l->epochs);
    if (!l->batches || !l->append_ns || !l->epochs) goto fail;
    l->capacity = LOG_INITIAL_BATCHES;
    l->epoch_capacity = LOG_INITIAL_EPOCHS;
    epochs_latest_update(l);
    return 0;
fail:
    free(l->batches);
    free(l->append_ns);
    free(l->epochs);
    memset(l, 0, sizeof *l);
    return -1;
}

void log_fini(log_replica *l) {
    free(l->batches);
    free(l->append_ns);
    free(l->epochs);
    free(l->aborted);
    memset(l, 0, sizeof *l);
}

int64_t log_batch_bytes(const log_replica *l, const proto_batch *b) {
    return (int64_t)b->record_count * l->opt.record_bytes + LOG_BATCH_OVERHEAD_BYTES;
}

bool log_roll_due(const log_replica *l, const proto_batch *b) {
    /* LogSegment.shouldRoll: size > maxSegmentBytes - messagesSize, for a non-empty segment. */
    if (l->segment_size_bytes == 0) return false;
    return l->segment_size_bytes > l->opt.segment_bytes - log_batch_bytes(l, b);
}

int64_t log_roll(log_replica *l) {
    l->segment_base_offset = l->log_end_offset;
    l->segment_size_bytes = 0;
    /* UnifiedLog.roll schedules flushUptoOffsetExclusive(newSegment.baseOffset). The model
     * makes the asynchronous flush immediate. */
    l->flushed_offset = l->log_end_offset;
    return l->log_end_offset;
}

int32_t log_epoch_latest(const log_replica *l) { return l->latest_epoch; }

int log_epoch_assign(log_replica *l, int32_t epoch, int64_t start_offset) {
    if (epoch < 0) return 0;
    if (l->epoch_count && l->latest_epoch == epoch && l->latest_epoch_start <= start_offset)
        return 0;
    /* LeaderEpochFileCache.assign -> maybeTruncateNonMonotonicEntries: an entry with a newer
     * or equal epoch, or a later start offset, cannot stand before the new one. */
    while (l->epoch_count) {
        const log_epoch_entry *last = &l->epochs[l->epoch_count - 1];
        if (last->epoch < epoch && last->start_offset <= start_offset) break;
        l->epoch_count--;
    }
    if (l->checked_epoch_count > l->epoch_count) l->checked_epoch_count = l->epoch_count;
    if (l->epoch_count == l->epoch_capacity) {
        size_t cap = l->epoch_capacity * 2;
        log_epoch_entry *e = realloc(l->epochs, cap * sizeof *e);
        if (!e) {
            epochs_latest_update(l);
            return -1;
        }
        l->epochs = e;
        l->epoch_capacity = cap;
    }
    l->epochs[l->epoch_count].epoch = epoch;
    l->epochs[l->epoch_count].start_offset = start_offset;
    l->epoch_count++;
    epochs_latest_update(l);
    return 0;
}

/* Grows the batch and append-time arrays to cap slots. -1 when memory ran out: both keep
 * their contents, the capacity is that of the smaller. */
static int log_grow(log_replica *l, size_t cap) {
    if (cap > SIZE_MAX / sizeof *l->batches) return -1;
    proto_batch *nb = sim_realloc_large(l->batches, cap * sizeof *nb);
    if (!nb) return -1;
    l->batches = nb;
    int64_t *nt = sim_realloc_large(l->append_ns, cap * sizeof *nt);
    if (!nt) return -1;
    l->append_ns = nt;
    l->capacity = cap;
    return 0;
}

int log_reserve(log_replica *l, size_t batches) {
    if (batches <= l->capacity) return 0;
    return log_grow(l, batches);
}

int log_append(log_replica *l, const proto_batch *b, int64_t now_ns) {
    if (l->count == l->capacity && log_grow(l, l->capacity * 2) != 0) return -1;
    if (log_epoch_assign(l, b->partition_leader_epoch, b->base_offset) != 0) return -1;
    l->append_ns[l->count] = now_ns;
    l->batches[l->count++] = *b;
    l->log_end_offset = proto_batch_last_offset(b) + 1;
    l->segment_size_bytes += log_batch_bytes(l, b);
    /* UnifiedLog.append: if (localLog.unflushedMessages >= config.flushInterval) flush(). */
    if (l->log_end_offset - l->flushed_offset >= l->opt.flush_interval_messages) log_flush(l);
    return 0;
}

void log_flush(log_replica *l) { l->flushed_offset = l->log_end_offset; }

int log_aborted_add(log_replica *l, const log_aborted_txn *t) {
    if (l->aborted_count == l->aborted_capacity) {
        size_t cap = l->aborted_capacity ? l->aborted_capacity * 2 : 8;
        log_aborted_txn *na = realloc(l->aborted, cap * sizeof *na);
        if (!na) return -1;
        l->aborted = na;
        l->aborted_capacity = cap;
    }
    l->aborted[l->aborted_count++] = *t;
    return 0;
}

size_t log_aborted_collect(const log_replica *l, int64_t from, int64_t upper,
                           log_aborted_txn *out, size_t max) {
    /* TransactionIndex.collectAbortedTxns: abortedTxn.lastOffset >= fetchOffset &&
     * abortedTxn.firstOffset < upperBoundOffset. */
    size_t n = 0;
    for (size_t i = 0; i < l->aborted_count; i++) {
        const log_aborted_txn *t = &l->aborted[i];
        if (t->last_offset < from || t->first_offset >= upper) continue;
        if (n < max) out[n] = *t;
        n++;
    }
    return n;
}

/* TransactionIndex.truncateTo: entries whose marker is at or above end go. */
static void aborted_truncate(log_replica *l, int64_t end) {
    while (l->aborted_count && l->aborted[l->aborted_count - 1].last_offset >= end)
        l->aborted_count--;
}

int64_t log_durable_offset(const log_replica *l, int64_t now_ns) {
    int64_t durable = l->flushed_offset;
    int64_t interval = l->opt.writeback_interval_ns;
    if (interval <= 0 || now_ns < l->boot_ns) return durable;
    /* The last wakeup at or before now wrote back what was dirty since its cutoff or before
     * (wb_writeback: inodes dirtied after jiffies - dirty_expire_interval wait). Every
     * earlier wakeup had an earlier cutoff. */
    int64_t wakeup = l->boot_ns + (now_ns - l->boot_ns) / interval * interval;
    int64_t cutoff = wakeup - l->opt.dirty_expire_ns;
    /* The batches appended at or before the cutoff: a binary search on the append times. */
    size_t lo = 0, hi = l->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->append_ns[mid] <= cutoff) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return durable;
    int64_t written = proto_batch_last_offset(&l->batches[lo - 1]) + 1;
    return written > durable ? written : durable;
}

uint64_t log_power_loss(log_replica *l, int64_t now_ns) {
    uint64_t removed = log_truncate(l, log_durable_offset(l, now_ns));
    l->flushed_offset = l->log_end_offset; /* what is left is on disk */
    l->boot_ns = now_ns;
    return removed;
}

size_t log_batch_find(const log_replica *l, int64_t offset) {
    size_t lo = 0, hi = l->count;
    /* Followers fetch at or near the log end: gallop back from there (steps 1, 2, 4, ...)
     * to bracket the answer, then halve. Invariant: the answer is in [lo, hi]. A probe that
     * hits offset is the answer: batches are never empty (log_check), so base offsets are
     * distinct. That ends the common fetch, one batch behind the end, at its first probe. */
    for (size_t step = 1; lo < hi; step *= 2) {
        size_t probe = hi > step ? hi - step : 0;
        if (l->batches[probe].base_offset < offset) {
            lo = probe + 1;
            break;
        }
        if (l->batches[probe].base_offset == offset) return probe;
        hi = probe;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->batches[mid].base_offset < offset) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

size_t log_batch_holding(const log_replica *l, int64_t offset) {
    size_t i = log_batch_find(l, offset);
    if (i < l->count && l->batches[i].base_offset == offset) return i;
    if (i > 0 && proto_batch_last_offset(&l->batches[i - 1]) >= offset) return i - 1;
    return l->count;
}

/* LeaderEpochFileCache.truncateFromEnd: entries starting at or after end go. */
static void epochs_truncate_from_end(log_replica *l, int64_t end) {
    while (l->epoch_count && l->epochs[l->epoch_count - 1].start_offset >= end) l->epoch_count--;
    if (l->checked_epoch_count > l->epoch_count) l->checked_epoch_count = l->epoch_count;
    epochs_latest_update(l);
}

uint64_t log_truncate(log_replica *l, int64_t offset) {
    if (offset >= l->log_end_offset) {
        /* UnifiedLog.truncateTo: no record goes, but "always truncate epoch cache since we
         * may have a conflicting epoch entry at the end of the log". */
        epochs_truncate_from_end(l, offset);
        return 0;
    }
    if (offset < l->log_start_offset) offset = l->log_start_offset;
    size_t keep = log_batch_holding(l, offset);
    if (keep == l->count) keep = log_batch_find(l, offset);
    uint64_t removed = 0;
    for (size_t i = keep; i < l->count; i++) removed += l->batches[i].record_count;
    l->count = keep;
    if (l->checked_count > keep) l->checked_count = keep;
    l->log_end_offset = keep ? proto_batch_last_offset(&l->batches[keep - 1]) + 1
                             : l->log_start_offset;
    if (l->high_watermark > l->log_end_offset) l->high_watermark = l->log_end_offset;
    if (l->flushed_offset > l->log_end_offset) l->flushed_offset = l->log_end_offset;
    if (l->segment_base_offset > l->log_end_offset) l->segment_base_offset = l->log_end_offset;
    /* The active segment's size is recounted from its batches. */
    l->segment_size_bytes = 0;
    for (size_t i = log_batch_find(l, l->segment_base_offset); i < l->count; i++)
        l->segment_size_bytes += log_batch_bytes(l, &l->batches[i]);
    epochs_truncate_from_end(l, l->log_end_offset);
    aborted_truncate(l, l->log_end_offset);
    return removed;
}

void log_epoch_end_offset(const log_replica *l, int32_t requested, int32_t *epoch_out,
                          int64_t *end_offset_out) {
    *epoch_out = LOG_NO_EPOCH;
    *end_offset_out = LOG_NO_OFFSET;
    if (requested == LOG_NO_EPOCH || l->epoch_count == 0) return;
    if (requested == l->latest_epoch) {
        *epoch_out = requested;
        *end_offset_out = l->log_end_offset;
        return;
    }
    /* The first entry with an epoch above the requested one (higherEntry) ends it; the entry
     * before it (floorEntry) is the largest epoch <= requested. */
    size_t i = 0;
    while (i < l->epoch_count && l->epochs[i].epoch <= requested) i++;
    if (i == l->epoch_count) return; /* larger than any known epoch: undefined */
    /* Smaller than any known epoch: it ended where the first known one starts. */
    *epoch_out = i == 0 ? requested : l->epochs[i - 1].epoch;
    *end_offset_out = l->epochs[i].start_offset;
}

/* The scalar offsets against each other. */
static const char *log_check_offsets(const log_replica *l) {
    if (l->high_watermark > l->log_end_offset) return "log: high watermark above log end";
    if (l->high_watermark < l->log_start_offset) return "log: high watermark below log start";
    if (l->flushed_offset > l->log_end_offset) return "log: flushed offset above log end";
    return NULL;
}

/* Batches [from, count) follow batch from - 1 (or the log start) without a gap and end at the
 * log end offset. */
static const char *log_check_batches(const log_replica *l, size_t from) {
    int64_t next = from ? proto_batch_last_offset(&l->batches[from - 1]) + 1 : l->log_start_offset;
    for (size_t i = from; i < l->count; i++) {
        const proto_batch *b = &l->batches[i];
        if (b->base_offset != next) return "log: batches are not contiguous";
        if (b->record_count == 0) return "log: empty batch";
        if (i && l->append_ns[i] < l->append_ns[i - 1]) return "log: append times decrease";
        next = proto_batch_last_offset(b) + 1;
    }
    if (next != l->log_end_offset) return "log: log end offset does not follow the batches";
    return NULL;
}

/* Epoch entries [from, epoch_count) increase after entry from - 1; the last one (so, with
 * start offsets non-decreasing, every one) starts at or below the log end offset; the last
 * batch's epoch is in the cache. */
static const char *log_check_epochs(const log_replica *l, size_t from) {
    for (size_t i = from ? from : 1; i < l->epoch_count; i++) {
        if (l->epochs[i].epoch <= l->epochs[i - 1].epoch) return "log: epochs not increasing";
        if (l->epochs[i].start_offset < l->epochs[i - 1].start_offset)
            return "log: epoch start offsets decrease";
    }
    if (l->epoch_count && l->epochs[l->epoch_count - 1].start_offset > l->log_end_offset)
        return "log: epoch starts past end";
    if (l->latest_epoch != (l->epoch_count ? l->epochs[l->epoch_count - 1].epoch : LOG_NO_EPOCH) ||
        l->latest_epoch_start !=
            (l->epoch_count ? l->epochs[l->epoch_count - 1].start_offset : LOG_NO_OFFSET))
        return "log: the latest epoch kept apart is not the cache's last";
    if (l->count && log_epoch_latest(l) < l->batches[l->count - 1].partition_leader_epoch)
        return "log: last batch's epoch missing from the epoch cache";
    return NULL;
}

/* The transaction index: entries by increasing marker offset, each a control batch of the log
 * that ends a transaction begun at or before it. Only the last entry is checked by
 * log_check_recent (entries are added at the end and cut from it). */
static const char *log_check_aborted(const log_replica *l, size_t from) {
    for (size_t i = from; i < l->aborted_count; i++) {
        const log_aborted_txn *t = &l->aborted[i];
        if (i && t->last_offset <= l->aborted[i - 1].last_offset)
            return "log: transaction index out of offset order";
        if (t->first_offset > t->last_offset) return "log: aborted transaction ends before it begins";
        size_t k = log_batch_holding(l, t->last_offset);
        if (k == l->count || !proto_batch_is_control(&l->batches[k]) ||
            l->batches[k].producer_id != t->producer_id)
            return "log: transaction index entry without its marker";
    }
    return NULL;
}

const char *log_check(const log_replica *l) {
    const char *broken = log_check_offsets(l);
    if (!broken) broken = log_check_batches(l, 0);
    if (!broken) broken = log_check_epochs(l, 0);
    if (!broken) broken = log_check_aborted(l, 0);
    return broken;
}

const char *log_check_recent(log_replica *l) {
    size_t from = l->checked_count <= l->count ? l->checked_count : 0;
    size_t epoch_from = l->checked_epoch_count <= l->epoch_count ? l->checked_epoch_count : 0;
    const char *broken = log_check_offsets(l);
    if (!broken) broken = log_check_batches(l, from);
    if (!broken) broken = log_check_epochs(l, epoch_from);
    if (!broken && l->aborted_count) broken = log_check_aborted(l, l->aborted_count - 1);
    if (broken) return broken;
    l->checked_count = l->count;
    l->checked_epoch_count = l->epoch_count;
    return NULL;
}
