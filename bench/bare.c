/*
 * bare.c: the bench's reference scenario written by hand, as small as it can be while it still
 * does the scenario's work in kind: the speed a simulator of this scenario could reach, against
 * which `kafkasim bench --bare` sets kafkasim's own speed.
 *
 * The scenario (experiments/bench-reference.properties): one idempotent producer writes
 * `records` records of 100 bytes, sent all at once (up to buffer.memory) in batches of 10
 * (batch.size 1200, linger.ms 0), up to 5 produce requests in flight, to the leader of one
 * partition with replication factor 3 and acks=all; one-way latency 1 ms +- 0.2 ms, uniform,
 * each direction of a connection first in, first out; 1% of the leader's produce responses are
 * lost with their connection (nothing more arrives on it), so the producer's oldest request
 * times out after request.timeout.ms 30, the connection closes, its requests fail and are sent
 * again after retry.backoff.ms 100, one at a time (Sender / RecordAccumulator keep an idempotent
 * partition's retried batches in order), and the leader answers a retried batch it already
 * appended from its producer state (ProducerStateEntry.findDuplicateBatch: the last 5 batches).
 *
 * What it does per event, as kafkasim does: one binary heap of (time, sequence) events; the
 * application's send appends each record to the open batch, whose memory comes from a pool of
 * buffer.memory bytes (the application waits while it is spent, as KafkaProducer.send blocks in
 * BufferPool.allocate); the sender drains batches into requests and times them out; the leader
 * handles one produce request at a time (a connection's requests are handled in order: the
 * socket server mutes a connection while its request is handled), appends it to its log, parks
 * it until the high watermark covers it (DelayedProduce) and answers it; each follower fetches
 * from its log end offset, a fetch with nothing to read waits at the leader (up to
 * replica.fetch.wait.max.ms 500), the leader moves the follower's end offset and the high
 * watermark (Partition.updateFollowerFetchState, maybeIncrementLeaderHW) and answers with the
 * batches from the fetch offset on and its high watermark; the follower appends them, takes the
 * high watermark and fetches again.
 *
 * Left out, on purpose (what kafkasim adds and the bench measures): the history of sends and
 * callbacks, the checker, the trace hash, the invariant walk, configuration, metadata requests,
 * InitProducerId (the producer id is known from the start), the controller, ISR changes (the
 * ISR is all three replicas throughout), epochs, record payloads (a batch is its records'
 * checksum and count), a follower's fetch response reads the leader's log entries at delivery
 * (they are never truncated here) instead of carrying a copy, and every other fault.
 */
#include "bare.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BARE_MS INT64_C(1000000)
#define BARE_BATCH_RECORDS 10                  /* records of 100 bytes in batch.size 1200 */
#define BARE_BATCH_BYTES 1200                  /* batch.size: the pool's share for one batch */
#define BARE_BUFFER_MEMORY 33554432            /* buffer.memory */
#define BARE_IN_FLIGHT_MAX 5                   /* max.in.flight.requests.per.connection */
#define BARE_LATENCY_NS BARE_MS                /* network.latency.ms */
#define BARE_JITTER_NS (BARE_MS / 5)           /* network.jitter.ms */
#define BARE_REQUEST_TIMEOUT_NS (30 * BARE_MS) /* request.timeout.ms */
#define BARE_RETRY_BACKOFF_NS (100 * BARE_MS)  /* retry.backoff.ms */
#define BARE_FETCH_WAIT_NS (500 * BARE_MS)     /* replica.fetch.wait.max.ms */
#define BARE_LOSS_THRESHOLD (UINT32_C(0xFFFFFFFF) / 100) /* p = 0.01 of a 32-bit draw */
#define BARE_DEDUP_WINDOW 5                    /* batches a producer's state remembers */
#define BARE_FOLLOWERS 2
#define BARE_QUEUE_MAX 64 /* produce requests waiting at the leader (5 per connection) */
#define BARE_FNV_PRIME UINT64_C(0x100000001b3)

enum bare_kind {
    BARE_ON_PRODUCE,          /* a produce request reaches the leader */
    BARE_ON_PRODUCE_RESPONSE, /* its response reaches the producer */
    BARE_ON_FETCH,            /* a follower's fetch reaches the leader */
    BARE_ON_FETCH_RESPONSE,   /* the leader's answer reaches the follower */
    BARE_ON_REQUEST_TIMEOUT,  /* the producer looks at its oldest request's deadline */
    BARE_ON_FETCH_WAIT,       /* the leader looks at a parked fetch's deadline */
    BARE_ON_RECONNECT,        /* the producer's backoff ends: a new connection */
};

enum bare_link { BARE_TO_LEADER, BARE_TO_PRODUCER, BARE_TO_FOLLOWER, BARE_LINKS = 5 };

typedef struct bare_event {
    int64_t at_ns;
    uint64_t seq_kind; /* sequence << 3 | kind: ties at one time in scheduling order */
    uint64_t arg;
    uint64_t arg2;
} bare_event;

typedef struct bare_pcg {
    uint64_t state;
    uint64_t inc;
} bare_pcg;

/* A log entry: one batch (offsets are consecutive, so the entry's records give them). */
typedef struct bare_entry {
    uint32_t base_sequence;
    uint32_t crc; /* the records' checksum */
} bare_entry;

typedef struct bare_log {
    bare_entry *entries;
    uint32_t count;          /* entries appended */
    uint32_t end_offset;     /* log end offset */
    uint32_t high_watermark;
} bare_log;

/* A batch in the producer's accumulator. */
typedef struct bare_batch {
    uint32_t crc;
    uint16_t records;
    uint16_t attempts;
} bare_batch;

typedef struct bare {
    /* The event queue. */
    bare_event *heap;
    size_t heap_count, heap_capacity;
    uint64_t seq;
    int64_t now_ns;
    /* The network. */
    bare_pcg latency_rng, loss_rng;
    uint32_t jitter_threshold;
    int64_t last_arrival_ns[BARE_LINKS]; /* per direction: first in, first out */
    uint32_t open_connection;            /* the producer's connection to the leader */
    bool broken;                         /* its responses are lost */
    /* The producer. */
    uint64_t records, records_sent, batch_count;
    bare_batch *ring; /* batches [acked_batches, batches) live at index % ring_size */
    uint32_t ring_size;
    uint32_t batches;       /* batches the application opened */
    uint32_t sealed;        /* batches [0, sealed) were drained once: no more appends */
    uint32_t acked_batches; /* batches acknowledged: the in-flight ones start here */
    uint32_t next_batch;    /* the next batch to send */
    uint32_t retry_end;     /* batches below it were in flight when a connection closed */
    uint32_t connection;
    bool connected, timer_armed;
    int64_t sent_ns[BARE_IN_FLIGHT_MAX]; /* of batch b at b % BARE_IN_FLIGHT_MAX */
    /* The leader. */
    bare_log logs[1 + BARE_FOLLOWERS]; /* 0: the leader's, then each follower's */
    uint64_t queue[BARE_QUEUE_MAX];    /* produce requests waiting: batch | connection << 32 */
    uint64_t queue_crc[BARE_QUEUE_MAX]; /* and their batches: crc | records << 32 */
    uint32_t queue_head, queue_count;
    bool busy;                         /* a produce request waits for the high watermark */
    uint32_t pending_connection, pending_base, pending_end;
    uint32_t next_sequence;            /* the producer's next expected sequence */
    uint32_t dedup_sequence[BARE_DEDUP_WINDOW], dedup_offset[BARE_DEDUP_WINDOW];
    uint32_t follower_end[BARE_FOLLOWERS]; /* each follower's fetch offset */
    bool parked[BARE_FOLLOWERS], wait_armed[BARE_FOLLOWERS];
    int64_t park_deadline_ns[BARE_FOLLOWERS];
    bare_result result;
    bool failed;
} bare;

/* ===================================================================================== */
/* PCG32 (O'Neill's pcg32: 64-bit state, XSH RR output)                                  */
/* ===================================================================================== */

static uint32_t bare_pcg_next(bare_pcg *r) {
    uint64_t old = r->state;
    r->state = old * UINT64_C(6364136223846793005) + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

static bare_pcg bare_pcg_seed(uint64_t seed, uint64_t stream) {
    bare_pcg r = {0, (stream << 1) | 1};
    bare_pcg_next(&r);
    r.state += seed;
    bare_pcg_next(&r);
    return r;
}

/* Uniform in [0, bound), without bias (threshold = 2^32 mod bound). */
static uint32_t bare_pcg_bounded(bare_pcg *r, uint32_t bound, uint32_t threshold) {
    for (;;) {
        uint32_t x = bare_pcg_next(r);
        if (x >= threshold) return x % bound;
    }
}

/* ===================================================================================== */
/* The event queue: a binary heap ordered by (time, sequence)                            */
/* ===================================================================================== */

static bool bare_before(const bare_event *a, const bare_event *b) {
    return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->seq_kind < b->seq_kind);
}

static void bare_schedule(bare *m, int64_t at_ns, int kind, uint64_t arg, uint64_t arg2) {
    if (m->heap_count == m->heap_capacity) {
        size_t capacity = m->heap_capacity * 2;
        bare_event *heap = realloc(m->heap, capacity * sizeof *heap);
        if (!heap) {
            m->failed = true;
            return;
        }
        m->heap = heap;
        m->heap_capacity = capacity;
    }
    bare_event ev = {at_ns, m->seq++ << 3 | (uint64_t)kind, arg, arg2};
    size_t i = m->heap_count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!bare_before(&ev, &m->heap[parent])) break;
        m->heap[i] = m->heap[parent];
        i = parent;
    }
    m->heap[i] = ev;
}

static bare_event bare_pop(bare *m) {
    bare_event top = m->heap[0];
    bare_event last = m->heap[--m->heap_count];
    size_t n = m->heap_count, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && bare_before(&m->heap[child + 1], &m->heap[child])) child++;
        if (!bare_before(&m->heap[child], &last)) break;
        m->heap[i] = m->heap[child];
        i = child;
    }
    if (n > 0) m->heap[i] = last;
    return top;
}

/* ===================================================================================== */
/* The network                                                                           */
/* ===================================================================================== */

/* Sends a message on one direction: it arrives after the latency, never before the previous
 * message on that direction. */
static void bare_send(bare *m, int link, int kind, uint64_t arg, uint64_t arg2) {
    int64_t delay_ns = BARE_LATENCY_NS - BARE_JITTER_NS +
                       (int64_t)bare_pcg_bounded(&m->latency_rng, 2 * BARE_JITTER_NS + 1,
                                                 m->jitter_threshold);
    int64_t at_ns = m->now_ns + delay_ns;
    if (at_ns < m->last_arrival_ns[link]) at_ns = m->last_arrival_ns[link];
    m->last_arrival_ns[link] = at_ns;
    bare_schedule(m, at_ns, kind, arg, arg2);
}

static uint64_t bare_fold(uint64_t h, uint64_t x) { return (h ^ x) * BARE_FNV_PRIME; }

/* ===================================================================================== */
/* The producer: KafkaProducer.send, RecordAccumulator, Sender                           */
/* ===================================================================================== */

static bare_batch *bare_batch_at(bare *m, uint32_t b) { return &m->ring[b % m->ring_size]; }

/* The application sends records until they are all sent or buffer.memory is spent. */
static void bare_app_send(bare *m) {
    while (m->records_sent < m->records) {
        bare_batch *open = m->batches > m->sealed ? bare_batch_at(m, m->batches - 1) : NULL;
        if (!open || open->records == BARE_BATCH_RECORDS) {
            uint64_t used = (uint64_t)(m->batches - m->acked_batches + 1) * BARE_BATCH_BYTES;
            if (used > BARE_BUFFER_MEMORY || m->batches - m->acked_batches == m->ring_size)
                return; /* waits for an acknowledgement to free a batch */
            open = bare_batch_at(m, m->batches++);
            *open = (bare_batch){.crc = 0};
        }
        open->crc = (uint32_t)bare_fold(open->crc, m->records_sent);
        open->records++;
        m->records_sent++;
    }
}

static void bare_timer_arm(bare *m, int64_t at_ns) {
    m->timer_armed = true;
    bare_schedule(m, at_ns, BARE_ON_REQUEST_TIMEOUT, 0, 0);
}

/* Sender.sendProducerData: sends the batches that may go now. A batch that was in flight when
 * its connection closed goes alone, in order. */
static void bare_sender_drain(bare *m) {
    if (!m->connected) return;
    while (m->next_batch < m->batches) {
        uint32_t in_flight = m->next_batch - m->acked_batches;
        if (in_flight >= BARE_IN_FLIGHT_MAX) return;
        if (m->next_batch < m->retry_end && in_flight > 0) return;
        uint32_t b = m->next_batch++;
        bare_batch *batch = bare_batch_at(m, b);
        if (batch->attempts++ > 0) m->result.retries++;
        if (m->sealed <= b) m->sealed = b + 1;
        m->sent_ns[b % BARE_IN_FLIGHT_MAX] = m->now_ns;
        bare_send(m, BARE_TO_LEADER, BARE_ON_PRODUCE, b | (uint64_t)m->connection << 32,
                  batch->crc | (uint64_t)batch->records << 32);
        if (!m->timer_armed) bare_timer_arm(m, m->now_ns + BARE_REQUEST_TIMEOUT_NS);
    }
}

/* NetworkClient.handleTimedOutRequests: the oldest request's deadline passed: the connection
 * closes, every request in flight on it fails and is retried after the backoff. */
static void bare_on_request_timeout(bare *m) {
    m->timer_armed = false;
    if (m->next_batch == m->acked_batches || !m->connected) return;
    int64_t deadline_ns = m->sent_ns[m->acked_batches % BARE_IN_FLIGHT_MAX] +
                          BARE_REQUEST_TIMEOUT_NS;
    if (deadline_ns > m->now_ns) {
        bare_timer_arm(m, deadline_ns);
        return;
    }
    if (m->retry_end < m->next_batch) m->retry_end = m->next_batch;
    m->next_batch = m->acked_batches;
    m->connection++;
    m->connected = false;
    m->open_connection = m->connection; /* the old one is gone: nothing more arrives on it */
    m->broken = false;
    bare_schedule(m, m->now_ns + BARE_RETRY_BACKOFF_NS, BARE_ON_RECONNECT, 0, 0);
}

static void bare_on_reconnect(bare *m) {
    m->connected = true;
    bare_sender_drain(m);
}

/* Sender.completeBatch: the oldest request in flight is answered (responses of a connection
 * come in order); its records are acknowledged and its memory goes back to the pool. */
static void bare_on_produce_response(bare *m, uint64_t arg) {
    uint32_t offset = (uint32_t)arg, connection = (uint32_t)(arg >> 32);
    if (connection != m->connection || m->next_batch == m->acked_batches) return;
    uint32_t b = m->acked_batches++;
    bare_batch *batch = bare_batch_at(m, b);
    m->result.checksum = bare_fold(bare_fold(m->result.checksum, b), offset ^ batch->crc);
    m->result.acked += batch->records;
    m->result.end_ns = m->now_ns;
    bare_app_send(m);
    bare_sender_drain(m);
}

/* ===================================================================================== */
/* The leader: ReplicaManager.appendRecords with acks=all, fetchMessages                  */
/* ===================================================================================== */

/* Records in the batch of this base sequence (only the last batch is short). */
static uint32_t bare_entry_records(const bare *m, const bare_entry *e) {
    uint64_t left = m->records - e->base_sequence;
    return left < BARE_BATCH_RECORDS ? (uint32_t)left : BARE_BATCH_RECORDS;
}

/* A produce response leaves the leader: lost on a closed or broken connection, and lost with
 * probability 1% otherwise, breaking the connection. */
static void bare_produce_respond(bare *m, uint32_t connection, uint32_t offset) {
    if (connection != m->open_connection || m->broken) return;
    if (bare_pcg_next(&m->loss_rng) < BARE_LOSS_THRESHOLD) {
        m->result.dropped++;
        m->broken = true;
        return;
    }
    bare_send(m, BARE_TO_PRODUCER, BARE_ON_PRODUCE_RESPONSE,
              offset | (uint64_t)connection << 32, 0);
}

/* The leader answers follower f's fetch with its entries from the follower's on. */
static void bare_fetch_respond(bare *m, int f) {
    m->parked[f] = false;
    uint32_t from = m->logs[1 + f].count, to = m->logs[0].count;
    bare_send(m, BARE_TO_FOLLOWER + f, BARE_ON_FETCH_RESPONSE, from | (uint64_t)to << 32,
              (uint64_t)f | (uint64_t)m->logs[0].high_watermark << 8);
}

/* Handles the waiting produce requests while none waits for the high watermark. */
static void bare_leader_next(bare *m) {
    while (!m->busy && m->queue_count > 0) {
        uint32_t slot = m->queue_head;
        m->queue_head = (m->queue_head + 1) % BARE_QUEUE_MAX;
        m->queue_count--;
        uint32_t b = (uint32_t)m->queue[slot], connection = (uint32_t)(m->queue[slot] >> 32);
        uint32_t crc = (uint32_t)m->queue_crc[slot];
        uint32_t records = (uint32_t)(m->queue_crc[slot] >> 32);
        uint32_t sequence = b * BARE_BATCH_RECORDS;
        if (sequence < m->next_sequence) { /* ProducerStateEntry.findDuplicateBatch */
            int i = 0;
            while (i < BARE_DEDUP_WINDOW && m->dedup_sequence[i] != sequence) i++;
            if (i == BARE_DEDUP_WINDOW) abort(); /* out of the window: cannot happen here */
            m->result.deduplicated++;
            bare_produce_respond(m, connection, m->dedup_offset[i]);
            continue;
        }
        if (sequence != m->next_sequence) abort(); /* out of order: cannot happen here */
        bare_log *log = &m->logs[0];
        log->entries[log->count++] = (bare_entry){sequence, crc};
        m->dedup_sequence[b % BARE_DEDUP_WINDOW] = sequence;
        m->dedup_offset[b % BARE_DEDUP_WINDOW] = log->end_offset;
        m->pending_connection = connection;
        m->pending_base = log->end_offset;
        log->end_offset += records;
        m->pending_end = log->end_offset;
        m->next_sequence = sequence + records;
        m->busy = true;
        for (int f = 0; f < BARE_FOLLOWERS; f++)
            if (m->parked[f]) bare_fetch_respond(m, f);
    }
}

static void bare_on_produce(bare *m, uint64_t arg, uint64_t arg2) {
    if (m->queue_count == BARE_QUEUE_MAX) abort(); /* at most 5 per connection in flight */
    uint32_t slot = (m->queue_head + m->queue_count++) % BARE_QUEUE_MAX;
    m->queue[slot] = arg;
    m->queue_crc[slot] = arg2;
    bare_leader_next(m);
}

/* Partition.updateFollowerFetchState, maybeIncrementLeaderHW, then the fetch is answered now
 * or parked until there is something to read. */
static void bare_on_fetch(bare *m, uint64_t arg, uint64_t arg2) {
    int f = (int)arg2;
    uint32_t fetch_offset = (uint32_t)arg;
    bare_log *log = &m->logs[0];
    m->follower_end[f] = fetch_offset;
    uint32_t hw = log->end_offset;
    for (int i = 0; i < BARE_FOLLOWERS; i++)
        if (m->follower_end[i] < hw) hw = m->follower_end[i];
    if (hw > log->high_watermark) {
        log->high_watermark = hw;
        if (m->busy && hw >= m->pending_end) { /* DelayedProduce completes */
            m->busy = false;
            bare_produce_respond(m, m->pending_connection, m->pending_base);
            bare_leader_next(m);
        }
    }
    if (fetch_offset < log->end_offset) {
        bare_fetch_respond(m, f);
        return;
    }
    m->parked[f] = true;
    m->park_deadline_ns[f] = m->now_ns + BARE_FETCH_WAIT_NS;
    if (!m->wait_armed[f]) {
        m->wait_armed[f] = true;
        bare_schedule(m, m->park_deadline_ns[f], BARE_ON_FETCH_WAIT, 0, (uint64_t)f);
    }
}

static void bare_on_fetch_wait(bare *m, int f) {
    m->wait_armed[f] = false;
    if (!m->parked[f]) return;
    if (m->park_deadline_ns[f] <= m->now_ns) {
        bare_fetch_respond(m, f); /* nothing to read: an empty answer */
        return;
    }
    m->wait_armed[f] = true;
    bare_schedule(m, m->park_deadline_ns[f], BARE_ON_FETCH_WAIT, 0, (uint64_t)f);
}

/* ===================================================================================== */
/* A follower: ReplicaFetcherThread.processPartitionData                                  */
/* ===================================================================================== */

static void bare_follower_fetch(bare *m, int f) {
    bare_send(m, BARE_TO_LEADER, BARE_ON_FETCH, m->logs[1 + f].end_offset, (uint64_t)f);
}

static void bare_on_fetch_response(bare *m, uint64_t arg, uint64_t arg2) {
    int f = (int)(arg2 & 0xFF);
    uint32_t from = (uint32_t)arg, to = (uint32_t)(arg >> 32);
    uint32_t high_watermark = (uint32_t)(arg2 >> 8);
    bare_log *log = &m->logs[1 + f];
    const bare_log *leader = &m->logs[0];
    if (from != log->count) abort(); /* one fetch in flight: it reads on from the log end */
    for (uint32_t i = from; i < to; i++) {
        log->entries[i] = leader->entries[i];
        log->end_offset += bare_entry_records(m, &log->entries[i]);
    }
    log->count = to;
    log->high_watermark = high_watermark < log->end_offset ? high_watermark : log->end_offset;
    bare_follower_fetch(m, f);
}

/* ===================================================================================== */
/* The run                                                                               */
/* ===================================================================================== */

static void bare_dispatch(bare *m, const bare_event *ev) {
    switch ((int)(ev->seq_kind & 7)) {
    case BARE_ON_PRODUCE: bare_on_produce(m, ev->arg, ev->arg2); break;
    case BARE_ON_PRODUCE_RESPONSE: bare_on_produce_response(m, ev->arg); break;
    case BARE_ON_FETCH: bare_on_fetch(m, ev->arg, ev->arg2); break;
    case BARE_ON_FETCH_RESPONSE: bare_on_fetch_response(m, ev->arg, ev->arg2); break;
    case BARE_ON_REQUEST_TIMEOUT: bare_on_request_timeout(m); break;
    case BARE_ON_FETCH_WAIT: bare_on_fetch_wait(m, (int)ev->arg2); break;
    case BARE_ON_RECONNECT: bare_on_reconnect(m); break;
    default: abort();
    }
}

static void bare_free(bare *m) {
    free(m->heap);
    free(m->ring);
    for (int i = 0; i <= BARE_FOLLOWERS; i++) free(m->logs[i].entries);
}

static int bare_setup(bare *m, uint64_t seed, uint64_t records) {
    m->records = records;
    m->batch_count = (records + BARE_BATCH_RECORDS - 1) / BARE_BATCH_RECORDS;
    uint64_t ring = BARE_BUFFER_MEMORY / BARE_BATCH_BYTES;
    m->ring_size = (uint32_t)(m->batch_count < ring ? m->batch_count : ring);
    m->heap_capacity = 64;
    m->heap = malloc(m->heap_capacity * sizeof *m->heap);
    m->ring = malloc(m->ring_size * sizeof *m->ring);
    size_t memory = m->heap_capacity * sizeof *m->heap + m->ring_size * sizeof *m->ring;
    bool ok = m->heap && m->ring;
    for (int i = 0; i <= BARE_FOLLOWERS; i++) {
        m->logs[i].entries = malloc(m->batch_count * sizeof(bare_entry));
        memory += m->batch_count * sizeof(bare_entry);
        ok = ok && m->logs[i].entries;
    }
    m->result.memory_bytes = memory;
    m->latency_rng = bare_pcg_seed(seed, 1);
    m->loss_rng = bare_pcg_seed(seed, 2);
    uint32_t span = 2 * BARE_JITTER_NS + 1;
    m->jitter_threshold = (uint32_t)(-span) % span;
    m->connected = true;
    return ok ? 0 : -1;
}

int bare_run(uint64_t seed, uint64_t records, bare_result *out) {
    *out = (bare_result){.records = records};
    if (records == 0 || records > BARE_RECORDS_MAX) return -1;
    bare *m = calloc(1, sizeof *m);
    if (!m) return -1;
    if (bare_setup(m, seed, records) != 0) {
        bare_free(m);
        free(m);
        return -1;
    }
    for (int f = 0; f < BARE_FOLLOWERS; f++) bare_follower_fetch(m, f);
    bare_app_send(m);
    bare_sender_drain(m);
    while (m->result.acked < records && m->heap_count > 0 && !m->failed) {
        bare_event ev = bare_pop(m);
        m->now_ns = ev.at_ns;
        m->result.events++;
        bare_dispatch(m, &ev);
    }
    int rc = m->result.acked == records && !m->failed ? 0 : -1;
    for (int i = 0; i <= BARE_FOLLOWERS; i++)
        for (uint32_t e = 0; e < m->logs[i].count; e++)
            m->result.checksum = bare_fold(m->result.checksum, m->logs[i].entries[e].crc);
    m->result.records = m->records_sent;
    m->result.memory_bytes += m->heap_capacity * sizeof *m->heap - 64 * sizeof *m->heap;
    *out = m->result;
    bare_free(m);
    free(m);
    return rc;
}
