//! Work split over the cores, with results in input order: output never depends on
//! scheduling.

/// Runs `work` on contiguous chunks of `items`, one chunk per core when there are at
/// least `min` items (else on this thread), the chunks of about equal total `weight`, and
/// returns the chunks' results in order, so what comes out does not depend on scheduling.
pub fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    weight: impl Fn(&T) -> usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    if workers < 2 || items.len() < min {
        return vec![work(items)];
    }
    let total: usize = items.iter().map(&weight).sum();
    let share = total.div_ceil(workers).max(1);
    let mut chunks = Vec::with_capacity(workers);
    let (mut start, mut sum) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        sum += weight(item);
        if sum >= share && chunks.len() + 1 < workers {
            chunks.push(&items[start..=i]);
            (start, sum) = (i + 1, 0);
        }
    }
    if start < items.len() {
        chunks.push(&items[start..]);
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
