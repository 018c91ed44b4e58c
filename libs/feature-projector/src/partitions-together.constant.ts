/**
 * At most this many partition batches of one fetch in flight in a projector consumer, and so in
 * one of its transactions (the read model's and the raw archive's).
 */
export const PARTITIONS_TOGETHER = 16;
