//! Every route through a template, walked with the real engine ([`engine::route`]), and the
//! promises a template makes about them ([`Promise`]).
//!
//! A route is the sequence of steps from the first to the end for one combination of answers.
//! Only answers that can change the route are varied: a question's "yes" and "no" (or "not
//! done", which follows no answer branch) where a branch depends on them, a decision's options
//! where it branches; every other step is simply answered. The search is bounded
//! ([`MAX_WALKS`]); when it stops early it says so, and promises are then not confirmed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::contacts::ContactKey;
use super::engine::{self, Answer};
use super::template::{Condition, Mark, Promise, Step, StepKind, Template, DO_NOT_INFORM};

/// How many answer combinations are tried before the search stops (a shipped template needs a
/// few hundred).
pub const MAX_WALKS: usize = 50_000;
/// How much work the search may do in all, counted as the square of each route's length (the
/// engine's loop check makes a route cost that much): a hostile template of thousands of
/// branching steps stops here, as "cut off", instead of running for hours. A shipped template
/// uses well under a hundredth of it.
pub const MAX_WORK: usize = 20_000_000;

/// One route: the steps in order, and the answers that shape it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Route {
    pub steps: Vec<String>,
    /// `(step, answer)` for each step on the route whose answer could change it: "yes", "no",
    /// "not done", or a decision's option id.
    pub answers: Vec<(String, String)>,
}

impl Route {
    fn answer(&self, step: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|(s, _)| s == step)
            .map(|(_, a)| a.as_str())
    }

    /// The answers, as `step = answer; …`, or "no choice changes this route".
    pub fn describe_answers(&self) -> String {
        if self.answers.is_empty() {
            return "whatever the answers".to_owned();
        }
        self.answers
            .iter()
            .map(|(s, a)| format!("{s} = {a}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Every distinct route found, and whether the search stopped before trying every combination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Routes {
    pub routes: Vec<Route>,
    pub cut_off: bool,
}

impl Routes {
    /// Steps that no route reaches (only meaningful when not cut off).
    pub fn unreached<'t>(&self, template: &'t Template) -> Vec<&'t str> {
        let on: BTreeSet<&str> = self
            .routes
            .iter()
            .flat_map(|r| r.steps.iter().map(String::as_str))
            .collect();
        template
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .filter(|s| !on.contains(s))
            .collect()
    }
}

/// Every distinct route (by its steps), with the first answers found that lead there.
pub fn enumerate(template: &Template) -> Routes {
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut routes = Vec::new();
    let cut_off = walk(template, |route| {
        if found.insert(route.steps.clone()) {
            routes.push(route.clone());
        }
    });
    Routes { routes, cut_off }
}

/// Walks every combination of route-changing answers through [`engine::route`], calling
/// `visit` with each completed route (the same steps may come with different answers).
/// Returns whether the search stopped at [`MAX_WALKS`] before trying them all.
pub fn walk(template: &Template, mut visit: impl FnMut(&Route)) -> bool {
    let any_yes: BTreeSet<&str> = template
        .steps
        .iter()
        .flat_map(|s| &s.branches)
        .filter_map(|b| match &b.condition {
            Condition::AnyYes(qs) => Some(qs),
            Condition::Answer(_) => None,
        })
        .flatten()
        .map(String::as_str)
        .collect();
    let mut walks = 0usize;
    let mut work = 0usize;
    let mut stack: Vec<BTreeMap<String, Answer>> = vec![BTreeMap::new()];
    while let Some(answers) = stack.pop() {
        walks += 1;
        if walks > MAX_WALKS || work > MAX_WORK {
            return true;
        }
        let (path, current) = engine::route(template, &answers);
        work = work.saturating_add(path.len().saturating_mul(path.len()));
        let Some(step) = current.as_deref().and_then(|id| template.step(id)) else {
            let shaping = path
                .iter()
                .filter_map(|id| {
                    let step = template.step(id)?;
                    let answer = answers.get(id)?;
                    shapes_route(step, &any_yes).then(|| (id.clone(), word(answer)))
                })
                .collect();
            visit(&Route {
                steps: path,
                answers: shaping,
            });
            continue;
        };
        // Pushed in reverse so that routes come out in the order the choices are listed.
        for answer in choices(step, &any_yes).into_iter().rev() {
            let mut next = answers.clone();
            next.insert(step.id.clone(), answer);
            stack.push(next);
        }
    }
    false
}

/// Whether a step's answer can change the route.
fn shapes_route(step: &Step, any_yes: &BTreeSet<&str>) -> bool {
    step.branches
        .iter()
        .any(|b| matches!(b.condition, Condition::Answer(_)))
        || any_yes.contains(step.id.as_str())
        || offers_not_informing(step)
}

/// A decision about telling the parents: every option is tried, branch or not, because the
/// promise about parents depends on which was chosen.
fn offers_not_informing(step: &Step) -> bool {
    step.kind == StepKind::Decision && step.options.iter().any(|o| o.id == DO_NOT_INFORM)
}

/// One answer for each way a step can send the route on ("not done" is not one: the engine
/// refuses it on any step whose answer decides the route).
fn choices(step: &Step, any_yes: &BTreeSet<&str>) -> Vec<Answer> {
    let on = |value: &str| {
        step.branches
            .iter()
            .any(|b| matches!(&b.condition, Condition::Answer(v) if v == value))
    };
    match step.kind {
        StepKind::Question => {
            let mut out = Vec::new();
            if on("yes") || any_yes.contains(step.id.as_str()) {
                out.push(Answer::Yes);
            }
            // "Not done" is refused on a question a branch depends on (`decides_route`).
            out.push(Answer::No);
            out
        }
        StepKind::Decision => {
            let chosen = |o: &str| Answer::Chosen {
                option: o.to_owned(),
                reason: "(route search)".into(),
            };
            if offers_not_informing(step) {
                return step.options.iter().map(|o| chosen(&o.id)).collect();
            }
            let mut out: Vec<Answer> = step
                .options
                .iter()
                .filter(|o| on(&o.id))
                .map(|o| chosen(&o.id))
                .collect();
            // And one option that takes no branch, if any does not.
            if let Some(o) = step.options.iter().find(|o| !on(&o.id)) {
                out.push(chosen(&o.id));
            }
            out
        }
        _ => vec![Answer::Done],
    }
}

fn word(answer: &Answer) -> String {
    match answer {
        Answer::Yes => "yes".into(),
        Answer::No => "no".into(),
        Answer::Chosen { option, .. } => option.clone(),
        Answer::NotDone { .. } => "not done".into(),
        _ => "done".into(),
    }
}

/// A promise a template does not keep (or a step no route reaches), for the validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub step: Option<String>,
    pub message: String,
}

/// A referral to an agency that must not come before the immediate-risk question.
fn is_referral(step: &Step) -> bool {
    step.kind == StepKind::Contact
        && matches!(
            step.contact,
            Some(ContactKey::Police | ContactKey::ChildrensSocialCare | ContactKey::Ceop)
        )
}

fn is_police_contact(step: &Step) -> bool {
    step.kind == StepKind::Contact
        && matches!(
            step.contact,
            Some(ContactKey::Police | ContactKey::PoliceEmergency)
        )
}

fn tells_parents(step: &Step) -> bool {
    step.contact == Some(ContactKey::Parents)
}

/// Checks every promise `template` declares against every route, and that every step is on
/// some route. Empty when all hold.
pub fn check_promises(template: &Template) -> Vec<Broken> {
    let mut breaches: BTreeMap<Promise, Broken> = BTreeMap::new();
    let mut on_route: BTreeSet<String> = BTreeSet::new();
    let mut social_care = false;
    let cut_off = walk(template, |route| {
        on_route.extend(route.steps.iter().cloned());
        social_care |= route.steps.iter().any(|id| {
            template.step(id).is_some_and(|s| {
                s.kind == StepKind::Contact && s.contact == Some(ContactKey::ChildrensSocialCare)
            })
        });
        for &promise in &template.promises {
            if let std::collections::btree_map::Entry::Vacant(slot) = breaches.entry(promise) {
                if let Some(b) = breach_on(template, route, promise) {
                    slot.insert(b);
                }
            }
        }
    });
    let mut broken = Vec::new();
    if cut_off {
        if !template.promises.is_empty() {
            broken.push(Broken {
                step: None,
                message: "it has too many routes (or too long ones) for Casebook to check its promises; simplify its branches".to_owned(),
            });
        }
        return broken;
    }
    for s in &template.steps {
        if !on_route.contains(&s.id) {
            broken.push(Broken {
                step: Some(s.id.clone()),
                message: "no combination of answers reaches this step".into(),
            });
        }
    }
    if template.promises.contains(&Promise::OffersSocialCare) && !social_care {
        broken.push(Broken {
            step: None,
            message: format!(
                "the template promises that {}, but no route has a contact step for children's social care",
                Promise::OffersSocialCare.meaning()
            ),
        });
    }
    broken.extend(breaches.into_values());
    broken
}

/// How `route` breaks `promise`, if it does (a message naming the step and the answers).
/// [`Promise::OffersSocialCare`] is about all routes together, so never broken by one.
pub fn breach_on(template: &Template, route: &Route, promise: Promise) -> Option<Broken> {
    let breach = |at: Option<&str>, what: String| Broken {
        step: at.map(str::to_owned),
        message: format!(
            "the template promises that {}, but {what} (answers: {})",
            promise.meaning(),
            route.describe_answers()
        ),
    };
    let mut seen_risk = false;
    let mut seen_police = false;
    let mut offered_not_informing = false;
    for id in &route.steps {
        let s = template.step(id)?;
        match promise {
            Promise::ImmediateRiskFirst if is_referral(s) && !seen_risk => {
                return Some(breach(
                    Some(id),
                    format!("the route reaches \"{id}\" before the immediate-risk question"),
                ));
            }
            Promise::NothingRemovedBeforePolice
                if s.marks.contains(&Mark::RemovesContent) && !seen_police =>
            {
                return Some(breach(
                    Some(id),
                    format!(
                        "the route reaches \"{id}\", which removes content, before any police contact"
                    ),
                ));
            }
            Promise::ParentsOnlyByDecision if tells_parents(s) && !offered_not_informing => {
                return Some(breach(
                    Some(id),
                    format!(
                        "the route reaches \"{id}\" without a decision that offered not telling them, or after choosing not to"
                    ),
                ));
            }
            _ => {}
        }
        seen_risk |= s.marks.contains(&Mark::ImmediateRisk);
        seen_police |= is_police_contact(s);
        if offers_not_informing(s) {
            offered_not_informing = route.answer(id) != Some(DO_NOT_INFORM);
        }
    }
    let ends = route.steps.iter().any(|id| {
        template
            .step(id)
            .is_some_and(|s| s.marks.contains(&Mark::Outcome))
    });
    (promise == Promise::EndsInOutcome && !ends).then(|| {
        breach(
            route.steps.last().map(String::as_str),
            "a route ends without the step marked outcome".into(),
        )
    })
}
