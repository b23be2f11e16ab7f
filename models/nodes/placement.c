/*
 * placement.c: Kafka's replica placers without racks (see placement.h for the sources and the
 * draws).
 */
#include "placement.h"

#include "protocol.h"

#define PLACEMENT_KAFKA_3_0 30000 /* StripedReplicaPlacer (KAFKA-12788) */

placement_kind placement_kind_for(int metadata_mode, int kafka_version) {
    if (metadata_mode != 0) return PLACEMENT_ZOOKEEPER;
    return kafka_version >= PLACEMENT_KAFKA_3_0 ? PLACEMENT_STRIPED : PLACEMENT_SIMPLE;
}

/* Random.nextInt(bound); 0 without draws. */
static int draw(placement_random *r, int bound) {
    return r && r->next ? (int)r->next(r->ctx, (uint32_t)bound) : 0;
}

/* Collections.shuffle(list, random) on a RandomAccess list: for i = n .. 2, swap(i - 1,
 * nextInt(i)). Nothing without draws. */
static void shuffle(placement_random *r, int *list, int n) {
    if (!r || !r->next) return;
    for (int i = n; i > 1; i--) {
        int j = draw(r, i);
        int t = list[i - 1];
        list[i - 1] = list[j];
        list[j] = t;
    }
}

/* ---- StripedReplicaPlacer (one rack, every broker unfenced) ------------------------------- */

/* StripedReplicaPlacer.BrokerList. */
typedef struct striped_list {
    int brokers[PROTO_BROKERS_MAX];
    int size;
    int index;  /* brokers returned in the current iteration epoch */
    int offset; /* added to index, modulo size */
    int epoch;  /* the last iteration epoch seen */
} striped_list;

/* BrokerList.next: a new epoch restarts the iteration one broker further. */
static int striped_next(striped_list *l, int epoch) {
    if (l->epoch != epoch) {
        l->epoch = epoch;
        l->index = 0;
        l->offset = (l->offset + 1) % l->size;
    }
    if (l->index >= l->size) return -1;
    return l->brokers[(l->index++ + l->offset) % l->size];
}

/* new RackList(random, brokers) and place() per partition. With one rack, RackList.place takes
 * the first replica and every further one from that rack's unfenced list, and the rack offset
 * stays 0. */
static void place_striped(int n, int partitions, int rf, placement_random *r, int *out) {
    striped_list l = {.size = n};
    for (int i = 0; i < n; i++) l.brokers[i] = i + 1; /* sorted (BrokerList.initialize) */
    l.offset = draw(r, n);                             /* the unfenced list's start offset */
    (void)draw(r, 1); /* the fenced list is empty: no draw; then RackList's rack offset */
    int epoch = 0;
    for (int p = 0; p < partitions; p++) {
        /* Once as many partitions were placed as there are unfenced brokers, the rack list and
         * the broker lists are shuffled (a one-element rack list draws nothing). */
        if (epoch == n && n > 1) {
            shuffle(r, l.brokers, n);
            epoch = 0;
        }
        for (int k = 0; k < rf; k++) out[p * rf + k] = striped_next(&l, epoch);
        epoch++;
    }
}

/* ---- SimpleReplicaPlacementPolicy (KRaft 2.8) --------------------------------------------- */

static void place_simple(int n, int partitions, int rf, placement_random *r, int *out) {
    for (int p = 0; p < partitions; p++) {
        int initial = draw(r, n);
        bool chosen[PROTO_BROKERS_MAX] = {false};
        for (int i = 0; i < rf; i++) chosen[(initial + i) % n] = true;
        int *choices = &out[p * rf], k = 0;
        for (int i = 0; i < n; i++) /* the usable brokers in id order, the chosen indexes */
            if (chosen[i]) choices[k++] = i + 1;
        shuffle(r, choices, rf);
    }
}

/* ---- AdminUtils.assignReplicasToBrokersRackUnaware ---------------------------------------- */

/* AdminUtils.replicaIndex. */
static int admin_replica_index(int first, int shift, int j, int n) {
    int s = 1 + (shift + j) % (n - 1);
    return (first + s) % n;
}

static void place_zookeeper(int n, int partitions, int rf, placement_random *r, int *out) {
    int start = draw(r, n);
    int shift = draw(r, n);
    for (int p = 0; p < partitions; p++) {
        if (p > 0 && p % n == 0) shift++;
        int first = (p + start) % n;
        out[p * rf] = first + 1;
        for (int j = 0; j < rf - 1; j++) out[p * rf + 1 + j] = admin_replica_index(first, shift, j, n) + 1;
    }
}

int placement_place(placement_kind kind, int num_brokers, int partitions, int replication_factor,
                    placement_random *random, int *replicas) {
    if (num_brokers < 1 || num_brokers > PROTO_BROKERS_MAX || partitions < 1 ||
        replication_factor < 1 || replication_factor > num_brokers)
        return -1;
    if (kind == PLACEMENT_STRIPED)
        place_striped(num_brokers, partitions, replication_factor, random, replicas);
    else if (kind == PLACEMENT_SIMPLE)
        place_simple(num_brokers, partitions, replication_factor, random, replicas);
    else place_zookeeper(num_brokers, partitions, replication_factor, random, replicas);
    return 0;
}
