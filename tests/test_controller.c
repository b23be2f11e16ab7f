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
#include "placement.h"

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
 * acknowledged by the leader alone, then the leader dies (at 30 s). version and mode pick
 * the election rules (3.9 KRaft unless a test says otherwise). */
static void run_last_replica_as(bool unclean, int version, int mode, int64_t until_ns,
                                harness *h) {
    config_base(&h->cfg);
    h->cfg.kafka_version = version;
    h->cfg.metadata_mode = mode;
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
    run_until(h, until_ns);
}

static void run_last_replica(bool unclean, harness *h) {
    run_last_replica_as(unclean, 30900, CONFIG_METADATA_KRAFT, 45 * SIM_S, h);
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

/* KRaft before 3.9 ignores unclean.leader.election.enable
 * (ConfigurationControlManager.uncleanLeaderElectionEnabledForTopic returns false; KAFKA-12670
 * made it count in 3.9): 3.6 with the setting on keeps the partition offline and loses nothing. */
static void test_unclean_ignored_by_kraft_36(void) {
    harness h = {0};
    run_last_replica_as(true, 30600, CONFIG_METADATA_KRAFT, 45 * SIM_S, &h);
    CHECK_EQ(controller_leader(&h.ctl), -1); /* offline, not an out-of-sync leader */
    CHECK_EQ(controller_isr(&h.ctl), 0x2);
    CHECK_EQ(h.ctl.unclean_elections, 0);
    CHECK_EQ(leo(&h, 1), 100);
    broker_restart(&h.brokers[1]);
    run_until(&h, 80 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 1); /* the last ISR member leads again: 0 lost */
    CHECK_EQ(hw(&h, 1), 100);
    CHECK_EQ(leo(&h, 2), 100);
    CHECK_EQ(history_first(&h, HIST_TRUNCATE, NODE_NONE, 0, true, 0), -1);
    harness_fini(&h);
}

/* ZooKeeper mode honours the setting once the dead leader's ZooKeeper session expires
 * (KafkaController.onBrokerFailure; zookeeper.session.timeout.ms 18 s from 2.5). */
static void test_unclean_zookeeper_after_session(void) {
    harness h = {0};
    run_last_replica_as(true, 20800, CONFIG_METADATA_ZOOKEEPER, 45 * SIM_S, &h);
    /* Its last heartbeat (28 s, arrived 28.001 s) keeps the session for 18 s; the broker
     * session of 9 s does not count: at 45 s nothing was elected yet. */
    CHECK_EQ(controller_leader(&h.ctl), 1);
    CHECK_EQ(h.ctl.unclean_elections, 0);
    run_until(&h, 48 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(h.ctl.unclean_elections, 1);
    CHECK_EQ(history_first(&h, HIST_ELECTION, node_broker(2), 0, true, 0), 46 * SIM_S + 1 * SIM_MS);
    CHECK(leo(&h, 2) < 100); /* acknowledged records lost */
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
 * metadata offset its heartbeats carry. First found as the replay of `kafkasim run
 * min.insync.replicas=1 replica.lag.time.max.ms=2000 workload.records=1 workload.rate=100
 * 'fault.swarm1=crash leader at 20ms for 1ms' 'fault.swarm3=partition follower controller at
 * 2ms for 36ms' --seed 13`; now that a fast restart waits for the old session, the cut is one
 * way (the controller's pushes and answers to broker-2 are lost, its heartbeats arrive) and
 * lasts until the dead leader's session has expired: broker-2 is elected while cut off and,
 * without the catch-up, never learns it. */
static void test_lost_push_caught_up(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.replica_lag_time_max_ns = 2 * SIM_S;
    harness_init(&h);
    uint32_t c1 = send_at(&h, 10 * SIM_MS, 1, produce(-1, -1, 0, 1));
    run_until(&h, 2 * SIM_MS);
    net_cut(&h.net, NODE_CONTROLLER, node_broker(2), true);
    run_until(&h, 20 * SIM_MS);
    CHECK(response(&h, c1, NULL) != NULL);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 9500 * SIM_MS); /* fenced at 9.001 s: broker-2 is elected */
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(broker_partition_leader(&h.brokers[2], 0), 1); /* the push was lost */
    /* TCP would deliver the held push after the heal; a reset of the connection loses it. */
    net_reset(&h.net, NODE_CONTROLLER, node_broker(2));
    net_cut(&h.net, NODE_CONTROLLER, node_broker(2), false);
    /* A later heartbeat shows broker-2 behind and it learns (at 14.7 s: the controller's
     * answers and pushes to it wait for TCP's retransmission after the cut). */
    run_until(&h, 9500 * SIM_MS + 5 * h.cfg.broker_heartbeat_interval_ns);
    CHECK_EQ(broker_partition_leader(&h.brokers[2], 0), 2);
    CHECK_EQ(broker_partition_leader(&h.brokers[3], 0), 2);
    broker_restart(&h.brokers[1]);
    uint32_t c2 = send_at(&h, 20 * SIM_S, 2, produce(-1, -1, 0, 2));
    run_until(&h, 26 * SIM_S);
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

/* ClusterControlManager.registerBroker refuses a new incarnation while the old session is
 * valid: a leader that crashes at 1 s and is back at 2 s keeps its leadership (and the
 * partition stays unavailable) until the session of its last heartbeat (0 s, arrived 1 ms)
 * times out at 9.001 s; its next heartbeat (10 s) registers it. Before, leadership moved at
 * the restart. */
static void test_fast_restart_waits_for_session(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 2 * SIM_S);
    broker_restart(&h.brokers[1]);
    run_until(&h, 9 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 1);
    CHECK(!controller_fenced(&h.ctl, 1));
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), -1); /* not registered: no state */
    CHECK_EQ(history_first(&h, HIST_ELECTION, NODE_NONE, 0, true, 0), -1);
    run_until(&h, 9 * SIM_S + 2 * SIM_MS);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(history_first(&h, HIST_ELECTION, NODE_NONE, 0, true, 0), 9 * SIM_S + 1 * SIM_MS);
    run_until(&h, 10 * SIM_S + 5 * SIM_MS);
    CHECK(!controller_fenced(&h.ctl, 1)); /* registered with the heartbeat of 10 s */
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), 2);
    run_until(&h, 12 * SIM_S);
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    harness_fini(&h);
}

/* A controlled shutdown of the leader (BrokerLifecycleManager wantShutDown,
 * handleBrokerInControlledShutdown): leadership and ISR membership move first, with no
 * session to wait for; then the logs are closed with a snapshot at the log end and flushed,
 * and the process stops. Its restart registers at once (it was fenced at SHUTDOWN_NOW). */
static void test_controlled_shutdown(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    for (int i = 0; i < 10; i++) send_at(&h, 100 * SIM_MS + i * 10 * SIM_MS, 1, produce(1, -1, 0, (uint32_t)i));
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(leo(&h, 1), 10);
    CHECK(h.brokers[1].partitions[0].log.flushed_offset < 10);
    int64_t t0 = sim_now(&h.world); /* the last event before 1 s */
    broker_stop(&h.brokers[1]);
    CHECK(broker_alive(&h.brokers[1]));
    /* Heartbeat out (1 ms), the controller moves leadership and answers (1 ms): the new leader
     * knows 2 ms later; the next heartbeat 50 ms after the answer is let go. */
    run_until(&h, t0 + 3 * SIM_MS);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    CHECK_EQ(controller_isr(&h.ctl), 0xc); /* out of the ISR first */
    CHECK_EQ(broker_partition_leader(&h.brokers[2], 0), 2);
    CHECK(broker_alive(&h.brokers[1]));
    run_until(&h, t0 + 60 * SIM_MS);
    CHECK(!broker_alive(&h.brokers[1]));
    CHECK(controller_fenced(&h.ctl, 1));
    const broker_partition *p = &h.brokers[1].partitions[0];
    CHECK_EQ(p->log.flushed_offset, 10); /* LogManager.shutdown flushed */
    CHECK(p->pstate.snapshot_count >= 1);
    if (p->pstate.snapshot_count)
        CHECK_EQ(p->pstate.snapshots[p->pstate.snapshot_count - 1].offset, 10); /* close() */
    CHECK_EQ(history_first(&h, HIST_CRASH, node_broker(1), 0, false, HIST_STOPPED),
             t0 + 54 * SIM_MS);
    CHECK_EQ(leo(&h, 2), 10); /* nothing acknowledged was left behind */
    CHECK_EQ(h.ctl.unclean_elections, 0);
    broker_restart(&h.brokers[1]);
    run_until(&h, 1500 * SIM_MS);
    CHECK(!controller_fenced(&h.ctl, 1)); /* no session to wait for */
    CHECK_EQ(controller_isr(&h.ctl), 0xe);
    harness_fini(&h);
}

/* The isr-expiration period is replica.lag.time.max.ms / 2 in whole ms (ReplicaManager.startup,
 * a Long division): 5 ms gives 2 ms (it was 2.5 ms); below 2 ms the task never repeats. */
static void test_isr_check_period_whole_ms(void) {
    int64_t lags[] = {5 * SIM_MS, 4 * SIM_MS + SIM_MS / 2, 1 * SIM_MS + SIM_MS / 2};
    int64_t periods[] = {2 * SIM_MS, 2 * SIM_MS, 0};
    for (int i = 0; i < 3; i++) {
        harness h = {0};
        config_base(&h.cfg);
        h.cfg.replica_lag_time_max_ns = lags[i];
        harness_init(&h);
        const broker *b = &h.brokers[1];
        CHECK_EQ(sim_timer_armed(&b->isr_timer), periods[i] > 0);
        if (periods[i] > 0) CHECK_EQ(b->isr_timer.at_ns, periods[i]);
        harness_fini(&h);
    }
}

static proto_msg not_yet(void) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_BROKER_HEARTBEAT;
    m.is_response = true;
    m.u.heartbeat.broker_epoch = 1;
    m.u.heartbeat.broker_id = 1;
    m.u.heartbeat.shutdown = false;
    return m;
}

/* BrokerLifecycleManager (3.9, PENDING_CONTROLLED_SHUTDOWN): only the first answer without
 * shouldShutDown brings the next heartbeat forward to 50 ms (!gotControlledShutdownResponse);
 * later ones keep the heartbeat interval (scheduleNextCommunicationAfterSuccess). The
 * controller's own answers are cut off and two "not yet" answers are delivered in their
 * place, the second after the 50 ms heartbeat went. Before, every such answer pulled the
 * next heartbeat forward to 50 ms after it. */
static void test_controlled_shutdown_heartbeat_pace(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 1 * SIM_S);
    net_cut(&h.net, NODE_CONTROLLER, node_broker(1), true);
    int64_t t0 = sim_now(&h.world);
    broker_stop(&h.brokers[1]);
    send_at(&h, t0 + 5 * SIM_MS, 1, not_yet());
    run_until(&h, t0 + 20 * SIM_MS);
    CHECK(h.brokers[1].got_shutdown_response);
    int64_t pulled = h.brokers[1].heartbeat_timer.at_ns; /* 50 ms after the first answer */
    CHECK(pulled > t0 + 50 * SIM_MS && pulled < t0 + 60 * SIM_MS);
    send_at(&h, pulled + 5 * SIM_MS, 1, not_yet());
    run_until(&h, pulled + 10 * SIM_MS);
    CHECK(broker_alive(&h.brokers[1]));
    CHECK(sim_timer_armed(&h.brokers[1].heartbeat_timer));
    CHECK_EQ(h.brokers[1].heartbeat_timer.at_ns, pulled + h.cfg.broker_heartbeat_interval_ns);
    harness_fini(&h);
}

static void on_stop(void *ctx, sim_world *w, const sim_event *ev) {
    harness *h = ctx;
    (void)w;
    broker_stop(&h->brokers[ev->arg]);
}

/* Preferred-leader election (QuorumController.maybeScheduleNextBalancePartitionLeaders,
 * ReplicationControlManager.maybeBalancePartitionLeaders): a rolling restart of the leader
 * moves leadership to broker-2; one leader.imbalance.check.interval.seconds after the move,
 * and every interval after, the check elects broker-1 again once it is back in the ISR.
 * enabled: auto.leader.rebalance.enable; mode: KRaft or ZooKeeper (checks at multiples of the
 * interval); percentage: leader.imbalance.per.broker.percentage. Returns when leadership
 * returned to broker-1, -1 when it did not by 60 s. */
static int64_t run_rolling_restart(bool enabled, int mode, int percentage) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.auto_leader_rebalance = enabled;
    h.cfg.metadata_mode = mode;
    h.cfg.leader_imbalance_check_interval_ns = 5 * SIM_S;
    h.cfg.leader_imbalance_per_broker_percentage = percentage;
    harness_init(&h);
    h.kind_stop = sim_handler_add(&h.world, on_stop, &h, "test.stop");
    run_until(&h, 1 * SIM_S);
    sim_schedule(&h.world, 1 * SIM_S, h.kind_stop, 1);
    run_until(&h, 2 * SIM_S);
    CHECK_EQ(controller_leader(&h.ctl), 2);
    broker_restart(&h.brokers[1]);
    run_until(&h, 60 * SIM_S);
    int64_t back = history_first(&h, HIST_ELECTION, node_broker(1), 0, true, 0);
    if (back >= 0) {
        CHECK_EQ(controller_leader(&h.ctl), 1);
        CHECK_EQ(controller_isr(&h.ctl), 0xe);
        CHECK_EQ(h.ctl.preferred_elections, 1);
    } else {
        CHECK_EQ(controller_leader(&h.ctl), 2);
    }
    harness_fini(&h);
    return back;
}

static void test_preferred_leader_election(void) {
    /* KRaft: moved at 1.001 s, checked at 6.001 s (broker-1 back in the ISR by then). */
    CHECK_EQ(run_rolling_restart(true, CONFIG_METADATA_KRAFT, 10), 6 * SIM_S + 1 * SIM_MS);
    CHECK_EQ(run_rolling_restart(false, CONFIG_METADATA_KRAFT, 10), -1);
    /* KRaft ignores the percentage. */
    CHECK_EQ(run_rolling_restart(true, CONFIG_METADATA_KRAFT, 100), 6 * SIM_S + 1 * SIM_MS);
    /* ZooKeeper: the task runs at every 5 s since the start, and only above the percentage. */
    CHECK_EQ(run_rolling_restart(true, CONFIG_METADATA_ZOOKEEPER, 10), 5 * SIM_S);
    CHECK_EQ(run_rolling_restart(true, CONFIG_METADATA_ZOOKEEPER, 100), -1);
}

/* Every broker holds the whole metadata image: a broker outside the partition's assignment
 * answers Metadata with its leader, before and after an election (before, only replicas got
 * the partition state and broker-4 answered leader -1). */
static void test_metadata_from_every_broker(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.num_brokers = 4;
    harness_init(&h);
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_METADATA;
    uint32_t c1 = send_at(&h, 100 * SIM_MS, 4, m);
    run_until(&h, 1 * SIM_S);
    const proto_msg *r = response(&h, c1, NULL);
    CHECK(r && r->u.metadata_response.leader == 1);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 10 * SIM_S);
    uint32_t c2 = send_at(&h, 10 * SIM_S, 4, m);
    run_until(&h, 11 * SIM_S);
    r = response(&h, c2, NULL);
    CHECK(r && r->u.metadata_response.leader == 2 && r->u.metadata_response.leader_epoch == 1);
    CHECK_EQ(leo(&h, 4), 0); /* it holds no replica */
    harness_fini(&h);
}

/* 12 partitions over 3 brokers, placed as KRaft's StripedReplicaPlacer places them without
 * draws (1 2 3, 2 3 1, 3 1 2, ...): each broker is the preferred leader of 4. */
static void harness_twelve(harness *h) {
    config_base(&h->cfg);
    h->partitions = 12;
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 3, 12, 3, NULL, h->placed), 0);
    for (int g = 0; g < 12; g++) h->placed_counts[g] = 3;
    harness_init(h);
}

/* ReplicationControlManager.handleBrokerFenced: the fenced broker leaves every ISR, and only
 * the partitions it led elect a new leader (the next ISR member in assignment order), each
 * with its own leader epoch; the others keep leader and leader epoch. */
static void test_crash_moves_only_its_partitions(void) {
    harness h = {0};
    harness_twelve(&h);
    run_until(&h, 1 * SIM_S);
    for (int g = 0; g < 12; g++)
        CHECK_EQ(controller_partition_state(&h.ctl, g)->leader, g % 3 + 1);
    broker_crash(&h.brokers[2], false);
    run_until(&h, 12 * SIM_S);
    CHECK(controller_fenced(&h.ctl, 2));
    int moved = 0;
    for (int g = 0; g < 12; g++) {
        const proto_partition_state *s = controller_partition_state(&h.ctl, g);
        CHECK_EQ(s->isr, 0xa); /* {1, 3} everywhere */
        if (g % 3 == 1) {      /* led by broker 2 (2 3 1): broker 3 takes over */
            CHECK_EQ(s->leader, 3);
            CHECK_EQ(s->leader_epoch, 1);
            moved++;
        } else {
            CHECK_EQ(s->leader, g % 3 + 1);
            CHECK_EQ(s->leader_epoch, 0);
        }
        CHECK_EQ(s->partition_epoch, 1);
    }
    CHECK_EQ(moved, 4);
    CHECK_EQ(h.ctl.elections, 4);
    /* History names each partition's election and ISR change. */
    int elections[12] = {0}, isr_changes[12] = {0};
    for (size_t i = 0; i < h.hist.count; i++) {
        const history_rec *r = &h.hist.recs[i];
        if (r->kind == HIST_ELECTION) elections[r->partition]++;
        if (r->kind == HIST_ISR && r->time_ns > 0) isr_changes[r->partition]++;
    }
    for (int g = 0; g < 12; g++) {
        CHECK_EQ(elections[g], g % 3 == 1 ? 1 : 0);
        CHECK_EQ(isr_changes[g], 1);
    }
    harness_fini(&h);
}

/* handleBrokerInControlledShutdown over many partitions: every leadership of the stopping
 * broker moves to the next ISR member in assignment order and it leaves every ISR before the
 * grant lets it stop; the partitions it did not lead keep their leader epoch. */
static void test_controlled_shutdown_many_partitions(void) {
    harness h = {0};
    harness_twelve(&h);
    run_until(&h, 1 * SIM_S);
    broker_stop(&h.brokers[1]);
    run_until(&h, 6 * SIM_S);
    CHECK(!broker_alive(&h.brokers[1]));
    for (int g = 0; g < 12; g++) {
        const proto_partition_state *s = controller_partition_state(&h.ctl, g);
        CHECK(s->leader != 1);
        CHECK(!broker_set_has(s->isr, 1));
        CHECK_EQ(s->leader_epoch, g % 3 == 0 ? 1 : 0);
        if (g % 3 == 0) CHECK_EQ(s->leader, 2); /* 1 2 3: the next in assignment order */
    }
    CHECK_EQ(h.ctl.elections, 4);
    harness_fini(&h);
}

static uint32_t produce_to(harness *h, int64_t t, int partition, int8_t acks, uint32_t payload) {
    proto_msg m = produce(acks, -1, 0, payload);
    m.partition = (uint16_t)partition;
    const proto_partition_state *s = controller_partition_state(&h->ctl, partition);
    return send_at(h, t, s->leader, m);
}

/* Every broker applies the per-partition state: after broker 2's crash each live broker sees
 * broker 3 leading exactly the partitions broker 2 led, and the new leaders accept produce
 * requests for them. */
static void test_brokers_follow_each_partition(void) {
    harness h = {0};
    harness_twelve(&h);
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[2], false);
    run_until(&h, 12 * SIM_S);
    for (int b = 1; b <= 3; b += 2)
        for (int g = 0; g < 12; g++)
            CHECK_EQ(broker_partition_leader(&h.brokers[b], g), g % 3 == 1 ? 3 : g % 3 + 1);
    uint32_t c = produce_to(&h, 12 * SIM_S, 4, -1, 7);
    run_until(&h, 13 * SIM_S);
    const proto_msg *r = response(&h, c, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE && r->partition == 4);
    CHECK_EQ(broker_high_watermark(&h.brokers[3], 4), 1);
    CHECK_EQ(broker_high_watermark(&h.brokers[1], 4), 1); /* the follower, one fetch later */
    for (int g = 0; g < 12; g++)
        if (g != 4) CHECK_EQ(broker_log_end_offset(&h.brokers[3], g), 0);
    harness_fini(&h);
}

/* High watermark and ISR per partition: a follower cut off from one leader leaves the ISR of
 * the partitions that leader leads (and only those), and acks=all records on another
 * partition commit as before. One partition's long poll does not hold another's replication:
 * two partitions led by broker 1 each commit an acks=all record within a few round trips,
 * far below replica.fetch.wait.max.ms (500 ms). */
static void test_isr_and_hw_per_partition(void) {
    harness h = {0};
    harness_twelve(&h);
    run_until(&h, 1 * SIM_S);
    /* Partitions 0 and 3 are both led by broker 1, followed by 2 and 3 over one connection
     * each; both fetchers are parked on both partitions when the records arrive. */
    uint32_t c0 = produce_to(&h, 1 * SIM_S, 0, -1, 1);
    uint32_t c3 = produce_to(&h, 1 * SIM_S + 100 * SIM_MS, 3, -1, 2);
    run_until(&h, 2 * SIM_S);
    int64_t t0 = 0, t3 = 0;
    CHECK(response(&h, c0, &t0) && response(&h, c3, &t3));
    CHECK(t0 - 1 * SIM_S <= 5 * SIM_MS);
    CHECK(t3 - (1 * SIM_S + 100 * SIM_MS) <= 5 * SIM_MS);
    CHECK_EQ(broker_high_watermark(&h.brokers[1], 0), 1);
    CHECK_EQ(broker_high_watermark(&h.brokers[1], 3), 1);
    CHECK_EQ(broker_high_watermark(&h.brokers[1], 1), 0);
    /* Broker 3 cut off from broker 2 (only), then records for partitions 1 and 4 (led by 2)
     * and 0 (led by 1): broker 3 falls behind on 1 and 4 and leaves their ISR. Partitions 7
     * and 10, also led by 2 but idle, keep it: a follower at the leader's log end is caught up
     * however long it has not fetched (Replica.isCaughtUp: leaderEndOffset == logEndOffset). */
    net_cut(&h.net, node_broker(3), node_broker(2), true);
    net_cut(&h.net, node_broker(2), node_broker(3), true);
    produce_to(&h, 2 * SIM_S, 1, 1, 3);
    produce_to(&h, 2 * SIM_S, 4, 1, 4);
    produce_to(&h, 2 * SIM_S, 0, 1, 5);
    run_until(&h, 50 * SIM_S);
    for (int g = 0; g < 12; g++) {
        const proto_partition_state *s = controller_partition_state(&h.ctl, g);
        CHECK_EQ(s->leader, g % 3 + 1);
        CHECK_EQ(s->isr, g == 1 || g == 4 ? 0x6 : 0xe); /* {1, 2} */
    }
    CHECK_EQ(broker_high_watermark(&h.brokers[1], 0), 2); /* committed on all three */
    CHECK_EQ(broker_high_watermark(&h.brokers[2], 4), 1); /* committed once 3 left */
    harness_fini(&h);
}

/* maybeBalancePartitionLeaders over many partitions: once broker 2 is back in the ISR of the
 * four partitions it prefers, the next check elects it for all four and touches no other. */
static void test_preferred_leaders_come_back(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.leader_imbalance_check_interval_ns = 10 * SIM_S;
    h.partitions = 12;
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 3, 12, 3, NULL, h.placed), 0);
    for (int g = 0; g < 12; g++) h.placed_counts[g] = 3;
    harness_init(&h);
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[2], false);
    run_until(&h, 15 * SIM_S);
    CHECK_EQ(h.ctl.elections, 4);
    broker_restart(&h.brokers[2]);
    run_until(&h, 45 * SIM_S);
    for (int g = 0; g < 12; g++) {
        const proto_partition_state *s = controller_partition_state(&h.ctl, g);
        CHECK_EQ(s->leader, g % 3 + 1);
        CHECK_EQ(s->leader_epoch, g % 3 == 1 ? 2 : 0);
        CHECK_EQ(s->isr, 0xe);
    }
    CHECK_EQ(h.ctl.preferred_elections, 4);
    CHECK_EQ(h.ctl.elections, 8);
    harness_fini(&h);
}

/* KafkaController.checkAndTriggerAutoLeaderRebalance: a broker's preferred partitions are
 * rebalanced only when the share of them led elsewhere is above
 * leader.imbalance.per.broker.percentage. Broker 2 prefers four partitions: two with a second
 * replica on broker 3 and two on broker 2 alone. After its crash and return the two single-
 * replica ones elect it at once (it is their only replica), the other two stay on broker 3:
 * 2 of 4 = 50% led elsewhere, above 40%, not above 60%. */
static int64_t run_zk_ratio(int percentage, uint64_t *preferred_elections) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.metadata_mode = CONFIG_METADATA_ZOOKEEPER;
    h.cfg.leader_imbalance_check_interval_ns = 10 * SIM_S;
    h.cfg.leader_imbalance_per_broker_percentage = percentage;
    h.partitions = 4;
    const int placed[6] = {2, 3, 2, 3, 2, 2};
    const int counts[4] = {2, 2, 1, 1};
    memcpy(h.placed, placed, sizeof placed);
    memcpy(h.placed_counts, counts, sizeof counts);
    harness_init(&h);
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[2], false);
    run_until(&h, 25 * SIM_S);
    CHECK_EQ(controller_partition_state(&h.ctl, 0)->leader, 3);
    CHECK_EQ(controller_partition_state(&h.ctl, 2)->leader, -1);
    broker_restart(&h.brokers[2]);
    run_until(&h, 45 * SIM_S);
    CHECK_EQ(controller_partition_state(&h.ctl, 2)->leader, 2);
    CHECK_EQ(controller_partition_state(&h.ctl, 3)->leader, 2);
    CHECK_EQ(controller_partition_state(&h.ctl, 1)->isr, 0xc); /* broker 2 is back in */
    *preferred_elections = h.ctl.preferred_elections;
    int64_t leader = controller_partition_state(&h.ctl, 0)->leader;
    harness_fini(&h);
    return leader;
}

static void test_zookeeper_imbalance_ratio(void) {
    uint64_t moved = 0;
    CHECK_EQ(run_zk_ratio(40, &moved), 2);
    CHECK_EQ(moved, 2);
    CHECK_EQ(run_zk_ratio(60, &moved), 3);
    CHECK_EQ(moved, 0);
}

int main(void) {
    test_zookeeper_imbalance_ratio();
    test_preferred_leaders_come_back();
    test_brokers_follow_each_partition();
    test_isr_and_hw_per_partition();
    test_crash_moves_only_its_partitions();
    test_controlled_shutdown_many_partitions();
    test_fast_restart_waits_for_session();
    test_controlled_shutdown();
    test_controlled_shutdown_heartbeat_pace();
    test_isr_check_period_whole_ms();
    test_preferred_leader_election();
    test_metadata_from_every_broker();
    test_unclean_ignored_by_kraft_36();
    test_unclean_zookeeper_after_session();
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
