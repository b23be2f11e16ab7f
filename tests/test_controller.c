/*
 * test_controller.c: the controller with brokers 1..3 on the real network and a fake client
 * endpoint: fencing after broker.session.timeout.ms, clean election in assignment order with
 * leader and partition epoch bumps, the ISR never emptied (leaderless instead), unclean
 * election when enabled (with the loss it brings), re-election of the last ISR member when it
 * returns, and the acks=1 failover: the ex-leader truncates its unreplicated, acknowledged
 * suffix when it rejoins, then catches up and re-enters the ISR; a push lost to a partition
 * made good by the metadata offset of the next heartbeat (KIP-631), and a zombie leader whose
 * rejected AlterPartition stays pending until it learns the newer state. Invariants of every broker
 * and of the controller are checked after every event.
 */
#include "cluster_harness.h"

static void cut_both(harness *h, int a, int b, bool cut) {
    net_cut(&h->net, node_broker(a), node_broker(b), cut);
    net_cut(&h->net, node_broker(b), node_broker(a), cut);
}

static void test_fencing(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[3], false);
    /* Its last heartbeat (sent at 0) arrived at 1 ms: fenced at 9.001 s, not before. */
    run_until(&h, 9 * SIM_S);
    CHECK(!controller_fenced(&h.ctl, 3));
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    run_until(&h, 9 * SIM_S + 2 * SIM_MS);
    CHECK(controller_fenced(&h.ctl, 3));
    CHECK_EQ(controller_isr(&h.ctl), 0x6); /* {1, 2} */
    CHECK_EQ(controller_leader(&h.ctl), 1);
    CHECK_EQ(controller_leader_epoch(&h.ctl), 0); /* no leader change */
    CHECK_EQ(controller_partition_state(&h.ctl, 0)->partition_epoch, 1);
    CHECK_EQ(history_first(&h, HIST_ISR, NODE_NONE, 1, false, 0x6), 9 * SIM_S + 1 * SIM_MS);
    /* It comes back: unfenced, it catches up and the leader adds it again. */
    broker_restart(&h.brokers[3]);
    run_until(&h, 12 * SIM_S);
    CHECK(!controller_fenced(&h.ctl, 3));
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    harness_fini(&h);
}

static void test_clean_election(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 10 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 2); /* first live ISR member in assignment order */
    CHECK_EQ(controller_leader_epoch(&h.ctl), 1);
    CHECK_EQ(controller_isr(&h.ctl), 0xc);  /* {2, 3} */
    CHECK_EQ(broker_partition_leader(&h.brokers[2], 0), 2);
    CHECK_EQ(broker_partition_leader(&h.brokers[3], 0), 2);
    CHECK_EQ(history_count_kind(&h.hist, HIST_ELECTION), 1);
    for (size_t i = 0; i < h.hist.count; i++)
        if (h.hist.recs[i].kind == HIST_ELECTION) CHECK_EQ(h.hist.recs[i].b, 0);
    /* The new leader serves produce requests. */
    uint32_t c = send_at(&h, 10 * SIM_S, 2, produce(-1, -1, 0, 1));
    run_until(&h, 11 * SIM_S);
    const proto_msg *r = response(&h, c, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE);
    harness_fini(&h);
}

/* RF 2, min ISR 1: the follower is cut off, the ISR shrinks to {1}, acks=all records are
 * acknowledged by the leader alone, then the leader dies. */
static void run_last_replica(bool unclean, harness *h) {
    config_base(&h->cfg);
    h->cfg.num_brokers = 2;
    h->cfg.replication_factor = 2;
    h->cfg.replica_lag_time_max_ns = 10 * SIM_S;
    h->cfg.unclean_leader_election = unclean;
    harness_init(h);
    run_until(h, 500 * SIM_MS);
    cut_both(h, 1, 2, true);
    for (int i = 0; i < 100; i++)
        send_at(h, 1 * SIM_S + i * 200 * SIM_MS, 1, produce(-1, -1, 0, (uint32_t)i));
    run_until(h, 30 * SIM_S);
    CHECK_EQ(controller_isr(&h->ctl), 0x2); /* {1} */
    CHECK_EQ(hw(h, 1), 100);                /* acks=all acknowledged by one copy */
    broker_crash(&h->brokers[1], false);
    cut_both(h, 1, 2, false);
    run_until(h, 45 * SIM_S);
}

static void test_isr_never_empty(void) {
    harness h = {0};
    run_last_replica(false, &h);
    CHECK_EQ(controller_leader(&h.ctl), -1); /* leaderless, not an out-of-sync leader */
    CHECK_EQ(controller_isr(&h.ctl), 0x2);   /* the last ISR member stays */
    CHECK_EQ(controller_leader_epoch(&h.ctl), 1);
    /* The last ISR member returns: re-elected, nothing lost. */
    broker_restart(&h.brokers[1]);
    run_until(&h, 80 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 1);
    CHECK_EQ(controller_leader_epoch(&h.ctl), 2);
    CHECK_EQ(hw(&h, 1), 100);
    CHECK_EQ(leo(&h, 2), 100);
    CHECK_EQ(controller_isr(&h.ctl), 0x6);
    harness_fini(&h);
}

static void test_unclean_election(void) {
    harness h = {0};
    run_last_replica(true, &h);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(controller_isr(&h.ctl), 0x4); /* ISR := {new leader} */
    CHECK_EQ(controller_leader_epoch(&h.ctl), 1);
    CHECK_EQ(h.ctl.unclean_elections, 1);
    int64_t lost_from = leo(&h, 2);
    CHECK(lost_from < 100); /* acknowledged records are not on the new leader */
    broker_restart(&h.brokers[1]);
    run_until(&h, 80 * SIM_S);
    /* The old leader truncates to the new leader's log: the loss is now everywhere. */
    CHECK_EQ(leo(&h, 1), lost_from);
    CHECK(history_first(&h, HIST_TRUNCATE, node_broker(1), 45 * SIM_S, true, 0) > 0);
    CHECK_EQ(controller_isr(&h.ctl), 0x6);
    harness_fini(&h);
}

static void test_acks1_failover_truncation(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 100 * SIM_MS);
    cut_both(&h, 1, 2, true);
    cut_both(&h, 1, 3, true);
    uint32_t c = send_at(&h, 200 * SIM_MS, 1, produce(1, -1, 0, 7));
    run_until(&h, 300 * SIM_MS);
    const proto_msg *r = response(&h, c, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE); /* acknowledged */
    CHECK_EQ(leo(&h, 1), 1);
    CHECK_EQ(hw(&h, 1), 0);
    broker_crash(&h.brokers[1], false); /* the page cache keeps the record */
    cut_both(&h, 1, 2, false);
    cut_both(&h, 1, 3, false);
    run_until(&h, 10 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(leo(&h, 1), 1);
    broker_restart(&h.brokers[1]);
    uint32_t c2 = send_at(&h, 11 * SIM_S, 2, produce(-1, -1, 0, 8));
    run_until(&h, 30 * SIM_S);
    int64_t t = history_first(&h, HIST_TRUNCATE, node_broker(1), 10 * SIM_S, true, 0);
    CHECK(t > 10 * SIM_S);
    r = response(&h, c2, NULL);
    CHECK(r && r->u.produce_response.base_offset == 0); /* offset 0 now holds another record */
    const proto_batch *log1 = NULL;
    size_t n1 = 0;
    log1 = broker_log(&h.brokers[1], 0, &n1);
    CHECK_EQ(n1, 1);
    if (n1 == 1) CHECK_EQ(log1[0].payload, 8); /* record 7, acknowledged, is gone */
    CHECK_EQ(controller_isr(&h.ctl), 0xe);     /* the ex-leader is back in the ISR */
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), 2);
    harness_fini(&h);
}

/* Two leaders in a row die before writing anything: the second-to-last one rejoins with an
 * epoch the current leader never saw (an empty epoch at the end of its cache), and the
 * divergence rounds must still converge (KIP-279, UnifiedLog.truncateTo). */
static void test_double_failover(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 1));
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 9500 * SIM_MS);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    broker_crash(&h.brokers[2], false);
    run_until(&h, 20 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 3);
    CHECK_EQ(controller_leader_epoch(&h.ctl), 2);
    broker_restart(&h.brokers[1]);
    broker_restart(&h.brokers[2]);
    send_at(&h, 21 * SIM_S, 3, produce(-1, -1, 0, 2));
    send_at(&h, 21 * SIM_S, 3, produce(-1, -1, 0, 3));
    uint64_t events_before = h.world.events;
    run_until(&h, 40 * SIM_S);
    CHECK(h.world.events - events_before < 2000); /* no fetch loop at network speed */
    CHECK_EQ(leo(&h, 1), 3);
    CHECK_EQ(leo(&h, 2), 3);
    CHECK_EQ(hw(&h, 3), 3);
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    harness_fini(&h);
}

/* KIP-631: a push lost while a broker is cut off from the controller is made good by the
 * metadata offset its heartbeats carry. The replay of `kafkasim run min.insync.replicas=1
 * replica.lag.time.max.ms=2000 workload.records=1 workload.rate=100 'fault.swarm1=crash leader
 * at 20ms for 1ms' 'fault.swarm3=partition follower controller at 2ms for 36ms' --seed 13`:
 * broker-2 is elected while cut off and, without the catch-up, never learns it. */
static void test_lost_push_caught_up(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.replica_lag_time_max_ns = 2 * SIM_S;
    harness_init(&h);
    uint32_t c1 = send_at(&h, 10 * SIM_MS, 1, produce(-1, -1, 0, 1));
    run_until(&h, 2 * SIM_MS);
    net_cut(&h.net, node_broker(2), NODE_CONTROLLER, true);
    net_cut(&h.net, NODE_CONTROLLER, node_broker(2), true);
    run_until(&h, 20 * SIM_MS);
    CHECK(response(&h, c1, NULL) != NULL);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 21 * SIM_MS);
    broker_restart(&h.brokers[1]); /* the new incarnation is fenced: broker-2 is elected */
    run_until(&h, 38 * SIM_MS);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(broker_partition_leader(&h.brokers[2], 0), 1); /* the push was lost */
    net_cut(&h.net, node_broker(2), NODE_CONTROLLER, false);
    net_cut(&h.net, NODE_CONTROLLER, node_broker(2), false);
    /* Within two heartbeat intervals the heartbeat shows broker-2 behind and it learns. */
    run_until(&h, 38 * SIM_MS + 2 * h.cfg.broker_heartbeat_interval_ns + 2 * SIM_MS);
    CHECK_EQ(broker_partition_leader(&h.brokers[2], 0), 2);
    CHECK_EQ(broker_partition_leader(&h.brokers[3], 0), 2);
    uint32_t c2 = send_at(&h, 5 * SIM_S, 2, produce(-1, -1, 0, 2));
    run_until(&h, 10 * SIM_S);
    const proto_msg *r = response(&h, c2, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE);
    CHECK_EQ(hw(&h, 2), 2); /* the acknowledged record 1 is committed, not lost */
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    harness_fini(&h);
}

/* A zombie leader (fenced and replaced while cut off from the controller) keeps leading until
 * it learns better; the controller rejects its AlterPartition as FENCED_LEADER_EPOCH, and the
 * rejected change stays pending without being sent again (Partition.handleAlterPartitionError)
 * until the newer state arrives. */
static void test_zombie_alter_rejected(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.replica_lag_time_max_ns = 2 * SIM_S;
    h.cfg.broker_heartbeat_interval_ns = 5 * SIM_S; /* the catch-up comes late */
    h.cfg.broker_session_timeout_ns = 9 * SIM_S;
    harness_init(&h);
    run_until(&h, 500 * SIM_MS);
    net_cut(&h.net, node_broker(1), NODE_CONTROLLER, true);
    net_cut(&h.net, NODE_CONTROLLER, node_broker(1), true);
    run_until(&h, 10500 * SIM_MS); /* after its heartbeat of 10 s was held */
    CHECK_EQ(controller_leader(&h.ctl), 2); /* broker-1 fenced at 9.001 s */
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), 1); /* the zombie */
    /* A cut alone only holds bytes (TCP retransmits them after the heal): here the connections
     * are lost with what they held, as a middlebox dropping them would (the `break` fault), so
     * the push is lost and the zombie learns only by a later heartbeat. */
    net_reset(&h.net, node_broker(1), NODE_CONTROLLER);
    net_reset(&h.net, NODE_CONTROLLER, node_broker(1));
    net_cut(&h.net, node_broker(1), NODE_CONTROLLER, false);
    net_cut(&h.net, NODE_CONTROLLER, node_broker(1), false);
    /* The zombie still takes acks=1 writes (a real Kafka anomaly, kept). */
    uint32_t c = send_at(&h, 11 * SIM_S, 1, produce(1, -1, 0, 1));
    /* Its followers left it at 9 s: its isr-expiration of 12 s proposes {1}, rejected. */
    run_until(&h, 12500 * SIM_MS);
    const proto_msg *r = response(&h, c, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE);
    const broker_partition *p = &h.brokers[1].partitions[0];
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), 1);
    CHECK(p->alter_pending);
    CHECK(p->alter_rejected);
    CHECK_EQ(p->isr, 0xe); /* never shrunk on its own */
    int64_t sent_ns = p->alter_sent_ns;
    run_until(&h, 15 * SIM_S - 1); /* two more isr-expiration runs */
    CHECK_EQ(h.brokers[1].partitions[0].alter_sent_ns, sent_ns); /* not sent again */
    CHECK(h.brokers[1].partitions[0].alter_pending);
    /* Its heartbeat reports it behind: it becomes a follower of broker-2 and rejoins. */
    run_until(&h, 25 * SIM_S);
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), 2);
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    harness_fini(&h);
}

int main(void) {
    test_double_failover();
    test_fencing();
    test_clean_election();
    test_isr_never_empty();
    test_unclean_election();
    test_acks1_failover_truncation();
    test_lost_push_caught_up();
    test_zombie_alter_rejected();
    return test_result("test_controller");
}
