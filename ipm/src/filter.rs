//! The filter of Wächter & Biegler (2006), §2.3: pairs (θ, φ) that trial points must improve on.

/// A set of (constraint violation, barrier objective) pairs.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    entries: Vec<(f64, f64)>,
}

impl Filter {
    /// Whether `(theta, phi)` is acceptable: for every entry it improves θ or φ.
    pub fn acceptable(&self, theta: f64, phi: f64) -> bool {
        self.entries.iter().all(|&(tf, pf)| theta < tf || phi < pf)
    }
    /// Add an entry, dropping entries it dominates.
    pub fn add(&mut self, theta: f64, phi: f64) {
        self.entries.retain(|&(tf, pf)| !(tf >= theta && pf >= phi));
        self.entries.push((theta, phi));
    }
    /// Forget all entries (after μ changes).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether the filter is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_rejects_dominated_points() {
        let mut f = Filter::default();
        f.add(1.0, 1.0);
        assert!(!f.acceptable(1.5, 1.5));
        assert!(f.acceptable(0.5, 2.0));
        assert!(f.acceptable(2.0, 0.5));
        f.add(0.5, 0.5);
        assert_eq!(f.len(), 1, "the new entry dominates the old one");
        f.clear();
        assert!(f.is_empty());
    }

    #[test]
    fn entries_on_the_pareto_front_are_all_kept() {
        let mut f = Filter::default();
        f.add(1.0, 3.0);
        f.add(2.0, 2.0);
        f.add(3.0, 1.0);
        assert_eq!(f.len(), 3, "none dominates another");
        // Equal in θ and φ to an entry: not an improvement, rejected.
        assert!(!f.acceptable(2.0, 2.0));
        // Between entries: better θ than (2, 2) and better φ than (1, 3).
        assert!(f.acceptable(1.5, 2.5));
        // An entry dominating two of them replaces both.
        f.add(1.0, 1.0);
        assert_eq!(f.len(), 1);
    }
}
