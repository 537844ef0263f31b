-- Nothing to do on SQLite: UsageEvent is partitioned by month on PostgreSQL only (see the
-- PostgreSQL migration of the same name). Old rows are pruned in batches by the retention job.
SELECT 1;
