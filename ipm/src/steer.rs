//! The observer's side of the driver: firing checkpoints, and the [`ViewCore`] through which an
//! [`IterationView`] reads the state lazily and steers it.
//!
//! Changes from outside keep the state consistent: a new `x` or `s` is evaluated (f, c, ∇f, J)
//! before it is accepted; any change forgets the filter and the watchdog (their entries belong to
//! the old path) and marks the checkpoint as steered, so the driver redoes work done for the old
//! state (see [`Fired::Steered`]).

use ipax_core::Triplets;

use crate::driver::{Fired, Ipm};
use crate::finish::nlp_bound_mults;
use crate::iterate::{SavedState, evaluate};
use crate::observer::{Block, Checkpoint, IterationView, Layout, ObserverAction, Snapshot, StepInfo, SteerError, ViewCore, ViewErrors};
use crate::result::SolveStatus;

/// Where a named block lives in the iterate's storage.
enum Place {
    /// `x` or `z` over the variables: entries `0..n`.
    Vars,
    /// One entry per row of the given kind (`true`: inequality), at offset `off` (0 for y and s,
    /// n for v).
    Rows { ineq: bool, off: usize },
}

fn place(b: Block, n: usize) -> Place {
    match b.base() {
        Block::X | Block::ZL | Block::ZU => Place::Vars,
        Block::S | Block::YD => Place::Rows { ineq: true, off: 0 },
        Block::YC => Place::Rows { ineq: false, off: 0 },
        Block::VL | Block::VU => Place::Rows { ineq: true, off: n },
        _ => unreachable!("base() returns iterate blocks"),
    }
}

impl Ipm<'_, '_> {
    /// Fire `cp`. With no observer this is one branch.
    pub(crate) fn fire(&mut self, cp: Checkpoint) -> Fired {
        let Some(obs) = self.observer.take() else { return Fired::Continue };
        self.view_errors.set(None);
        let (action, steered) = {
            let mut view = IterationView::new(cp, self);
            let a = obs.notify(&mut view);
            (a, view.steered())
        };
        self.observer = Some(obs);
        if steered {
            self.view_errors.set(None);
        }
        match (action, steered) {
            (ObserverAction::Stop, _) => Fired::Stop,
            (ObserverAction::Continue, true) => Fired::Steered,
            (ObserverAction::Continue, false) => Fired::Continue,
        }
    }

    /// The indices (into a vector over all rows) of the rows of one kind.
    fn rows_of(&self, ineq: bool) -> Vec<usize> {
        (0..self.b.m).filter(|&i| self.b.is_ineq[i] == ineq).collect()
    }

    fn storage(&self, b: Block) -> Result<&[f64], SteerError> {
        if b.is_step() {
            let d = self.dir.as_ref().ok_or(SteerError::NoDirection)?;
            return Ok(match b {
                Block::DX | Block::DS => &d.dw,
                Block::DYC | Block::DYD => &d.dy,
                Block::DZL | Block::DVL => &d.dzl,
                _ => &d.dzu,
            });
        }
        Ok(match b {
            Block::X => &self.it.pt.x,
            Block::S => &self.it.pt.s,
            Block::YC | Block::YD => &self.it.y,
            Block::ZL | Block::VL => &self.it.zl,
            _ => &self.it.zu,
        })
    }

    /// The storage offset of each entry of block `b`.
    fn entries(&self, b: Block) -> Vec<usize> {
        let n = self.b.n;
        match place(b, n) {
            Place::Vars => (0..n).collect(),
            // `dw` holds ds at n + i; `s` itself is stored per row.
            Place::Rows { ineq, off } => {
                let off = if b == Block::DS { n } else { off };
                self.rows_of(ineq).into_iter().map(|i| off + i).collect()
            }
        }
    }

    fn validate(&self, b: Block, values: &[f64]) -> Result<(), SteerError> {
        let name = b.name();
        let idx = self.entries(b);
        if values.len() != idx.len() {
            return Err(SteerError::WrongLength { block: name, expected: idx.len(), got: values.len() });
        }
        let n = self.b.n;
        for (k, (&v, &j)) in values.iter().zip(&idx).enumerate() {
            if !v.is_finite() {
                return Err(SteerError::NotFinite { block: name, index: k, value: v });
            }
            // The bound index over w = (x, s) of this entry.
            let w = match b {
                Block::X | Block::ZL | Block::ZU => j,
                Block::S => n + j,
                Block::VL | Block::VU => j,
                _ => continue,
            };
            let (lo, up) = (self.b.lo[w], self.b.up[w]);
            match b {
                Block::X | Block::S if !(v > lo && v < up) && lo != up => {
                    return Err(SteerError::OutsideBounds { block: name, index: k, value: v, lower: lo, upper: up });
                }
                Block::ZL | Block::VL if (self.b.has_lo[w] && !(v > 0.0)) || (!self.b.has_lo[w] && v != 0.0) => {
                    return Err(SteerError::BadMultiplier { block: name, index: k, value: v });
                }
                Block::ZU | Block::VU if (self.b.has_up[w] && !(v > 0.0)) || (!self.b.has_up[w] && v != 0.0) => {
                    return Err(SteerError::BadMultiplier { block: name, index: k, value: v });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The iterate changed from outside: the line search's memory belongs to the old path.
    fn forget_path(&mut self) {
        self.ls.filter.clear();
        self.ls.watchdog = None;
        self.ls.shortened = 0;
        self.tiny_steps = 0;
    }
}

impl ViewCore for Ipm<'_, '_> {
    fn iteration(&self) -> usize {
        self.iter_offset + self.iter
    }
    fn in_restoration(&self) -> bool {
        self.in_resto
    }
    fn mu(&self) -> f64 {
        self.mu
    }
    fn tau(&self) -> f64 {
        self.tau
    }
    fn status(&self) -> Option<SolveStatus> {
        self.final_status
    }
    fn step(&self) -> StepInfo {
        let l = &self.last;
        StepInfo { alpha_primal: l.alpha_pr, alpha_dual: l.alpha_du, step_norm: l.step_norm, regularization: l.reg, line_search_trials: l.ls, kkt: l.kkt, tag: l.tag }
    }
    fn errors(&self) -> ViewErrors {
        let objective = self.it.pt.f / self.nlp.obj_scale;
        if self.jac.is_none() {
            return ViewErrors { objective, ..Default::default() };
        }
        let e = self.errors(self.mu);
        self.view_errors.set(Some(e));
        ViewErrors { objective, constraint_violation: e.primal, dual_infeasibility: e.dual, complementarity: e.compl, overall: e.overall_mu }
    }
    fn user_x(&self) -> Vec<f64> {
        match self.user_nlp {
            Some(user) => user.full_x(&self.it.pt.x[..user.n]),
            None => self.nlp.full_x(&self.it.pt.x),
        }
    }
    fn user_y(&self) -> Vec<f64> {
        let nlp = self.user_nlp.unwrap_or(self.nlp);
        self.it.y.iter().zip(&nlp.con_scale).map(|(y, s)| y * s / nlp.obj_scale).collect()
    }
    fn user_z(&self, upper: bool) -> Vec<f64> {
        let nlp = self.user_nlp.unwrap_or(self.nlp);
        let z = if upper { &self.it.zu } else { &self.it.zl };
        nlp_bound_mults(nlp, &z[..nlp.n])
    }
    fn block(&self, b: Block) -> Result<Vec<f64>, SteerError> {
        let src = self.storage(b)?;
        Ok(self.entries(b).into_iter().map(|j| src[j]).collect())
    }
    fn set_block(&mut self, b: Block, values: &[f64]) -> Result<(), SteerError> {
        if b.is_step() {
            return Err(SteerError::ReadOnly { block: b.name() });
        }
        self.validate(b, values)?;
        let idx = self.entries(b);
        match b {
            Block::X | Block::S => {
                let (mut x, mut s) = (self.it.pt.x.clone(), self.it.pt.s.clone());
                let dst = if b == Block::X { &mut x } else { &mut s };
                for (&j, &v) in idx.iter().zip(values) {
                    dst[j] = v;
                }
                let pt = evaluate(self.nlp, x, s).map_err(|e| SteerError::Evaluation(e.to_string()))?;
                let old = std::mem::replace(&mut self.it.pt, pt);
                let old_jac = self.jac.take();
                if let Err(e) = self.evaluate_derivatives() {
                    self.it.pt = old;
                    self.jac = old_jac;
                    return Err(SteerError::Evaluation(e.to_string()));
                }
            }
            _ => {
                let dst = match b {
                    Block::YC | Block::YD => &mut self.it.y,
                    Block::ZL | Block::VL => &mut self.it.zl,
                    _ => &mut self.it.zu,
                };
                for (&j, &v) in idx.iter().zip(values) {
                    dst[j] = v;
                }
            }
        }
        self.forget_path();
        Ok(())
    }
    fn set_mu(&mut self, mu: f64) -> Result<(), SteerError> {
        if !(mu.is_finite() && mu > 0.0) {
            return Err(SteerError::InvalidMu(mu));
        }
        self.mu = mu;
        self.mu_changed();
        Ok(())
    }
    fn snapshot(&self) -> Snapshot {
        let state = SavedState { it: self.it.clone(), mu: self.mu, tau: self.tau, iter: self.iter, filter: self.ls.filter.clone(), adaptive: self.mu_update.clone() };
        Snapshot { iteration: self.iteration(), mu: self.mu, in_restoration: self.in_resto, dims: (self.b.n, self.b.m), state }
    }
    fn restore(&mut self, s: &Snapshot) -> Result<(), SteerError> {
        let phase = |r: bool| if r { "in restoration" } else { "outside restoration" };
        if s.in_restoration != self.in_resto || s.dims != (self.b.n, self.b.m) {
            return Err(SteerError::SnapshotMismatch { taken: phase(s.in_restoration), now: phase(self.in_resto) });
        }
        let old_jac = self.jac.take();
        let old_it = std::mem::replace(&mut self.it, s.state.it.clone());
        if let Err(e) = self.evaluate_derivatives() {
            self.it = old_it;
            self.jac = old_jac;
            return Err(SteerError::Evaluation(e.to_string()));
        }
        self.mu = s.state.mu;
        self.tau = s.state.tau;
        self.iter = s.state.iter;
        self.mu_update = s.state.adaptive.clone();
        self.forget_path();
        self.ls.filter = s.state.filter.clone();
        self.dir = None;
        Ok(())
    }
    fn kkt_matrix(&self) -> Option<Triplets> {
        self.kkt.as_ref().and_then(|k| k.assembled_lower())
    }
    fn kkt_factors(&self) -> Option<ipax_core::FactorExport> {
        self.kkt.as_ref().and_then(|k| k.factors())
    }
    fn jacobian(&self) -> Option<Triplets> {
        self.jac.as_deref().and_then(|j| j.triplets())
    }
    fn layout(&self) -> Layout {
        let user = self.user_nlp.unwrap_or(self.nlp);
        // In restoration the solver's variables are (x, p, n); only x maps to the user's.
        let variables = if self.user_nlp.is_some() { user.free.clone() } else { self.nlp.free.clone() };
        Layout { variables, equality_rows: self.rows_of(false), inequality_rows: self.rows_of(true), user_dims: (user.n_full, user.m) }
    }
}
