//! Recurring problems (共性问题): groups complaints that describe the same concrete problem, raised by different
//! enterprises in their own words.
//!
//! A complaint becomes the set of its content words and neighbouring-word pairs ([`terms`]), each weighted by
//! its inverse document frequency over all complaints given, so that what is specific to one problem (a road's
//! name, 城镇土地使用税, 消防验收) weighs far more than what every complaint of a topic says. Two complaints are
//! the same problem when their [`Similarity`] reaches [`ClusterParams::threshold`]; groups are joined along
//! such pairs, most similar first, as long as the two groups' first members are alike too (`link`), so that
//! look-alike problems cannot chain into one. A complaint still alone then joins a group whose centre its terms
//! cover (`join_lone_complaints`): a problem mentioned in passing inside a long complaint about other things.
//!
//! Comparing every pair is quadratic. Instead each complaint is indexed under its few rarest shared terms
//! ([`ClusterParams::keys_per_complaint`]), which two complaints about one problem almost always have in
//! common, and compared only with complaints under the same keys: all of them when a key is rare, its first
//! [`ClusterParams::leaders_per_key`] when it is common (members of a large group then join through those
//! leaders). The work is bounded by complaints × keys × leaders, plus sorting: about n log n.
//!
//! Complaints from earlier batches ([`Complaint::batch`] > 0) are grouped together with the current ones, so a
//! group that holds both is a problem raised again. This module decides nothing about files or output.

mod background;
pub mod dates;
pub mod evaluate;
pub mod input;
mod stopwords;
pub mod table;
mod terms;
mod union_find;

pub use evaluate::{ClusterScores, score_clustering};
pub use input::{ComplaintColumns, ComplaintTable, read_complaints};
pub use stopwords::{is_content_word, stop_words};
pub use table::{
    CLUSTER_COLUMNS, cluster_fields, cluster_id, seen_before, unreadable_cluster_fields,
};
pub use terms::{Term, TermAnalyzer, specific_kind, specifics, term_of, terms_of_words};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::BTreeSet;
use union_find::UnionFind;

/// How two complaints' weighted term sets are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum Similarity {
    /// Cosine of the IDF-weighted term vectors.
    Cosine,
    /// Weight of the shared terms over the weight of the smaller complaint's terms: a problem mentioned in
    /// passing in a long complaint still counts in full.
    Overlap,
    /// Weight of the shared terms over the weight of all terms of either complaint.
    Jaccard,
}

/// How complaints are grouped. The defaults were chosen on `corpora/clusters_tuning.csv` (docs/clusters.md).
#[derive(Debug, Clone)]
pub struct ClusterParams {
    pub similarity: Similarity,
    /// Two complaints at least this similar are the same problem.
    pub threshold: f32,
    /// Terms each complaint is indexed under: its rarest ones that some other complaint also has.
    pub keys_per_complaint: usize,
    /// Complaints compared per key when a key is common.
    pub leaders_per_key: usize,
    /// Members of a group another group must come close to, to join it (see `link`).
    pub sample_per_group: usize,
    /// Key words reported per group.
    pub key_words: usize,
    /// Whether two neighbouring words also count as a term.
    pub word_pairs: bool,
    /// Whether the team's corpus adds to the batch's document frequencies ([`background`]).
    pub background: bool,
    /// A key held by at most this many complaints makes its complaints candidates by itself; under a more
    /// common key, candidates must share two keys.
    pub rare_key_complaints: usize,
    /// A complaint left alone joins a group when it is at least this similar to one member…
    pub lone_floor: f32,
    /// …and its terms carry at least this share of the weight of the group's centre (see
    /// `join_lone_complaints`): a problem mentioned in passing inside a long complaint.
    pub lone_coverage: f32,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            similarity: Similarity::Cosine,
            threshold: 0.30,
            keys_per_complaint: 10,
            leaders_per_key: 24,
            sample_per_group: 5,
            key_words: 5,
            word_pairs: false,
            background: true,
            rare_key_complaints: 8,
            lone_floor: 0.15,
            lone_coverage: 0.4,
        }
    }
}

/// One complaint to group.
#[derive(Debug, Clone, Default)]
pub struct Complaint {
    pub id: String,
    pub text: String,
    /// As written; see [`dates::parse_date`].
    pub date: Option<String>,
    pub enterprise: Option<String>,
    /// 0 for the batch at hand, 1… for earlier batches.
    pub batch: usize,
}

/// One group of complaints about the same problem.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Indices of the complaints given, in input order.
    pub members: Vec<usize>,
    /// Members in the batch at hand.
    pub current_size: usize,
    /// The member closest to the group's centre (one of the batch at hand when there is one).
    pub representative: usize,
    /// The words most members share, most telling first.
    pub key_words: Vec<String>,
    /// Earliest and latest date among the members, `YYYY-MM-DD`.
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// Distinct enterprises among the members, sorted.
    pub enterprises: Vec<String>,
    /// Distinct batches the members come from, sorted (0 is the batch at hand).
    pub batches: Vec<usize>,
}

impl Cluster {
    /// Raised in the batch at hand and in an earlier one.
    pub fn recurs(&self) -> bool {
        self.batches.first() == Some(&0) && self.batches.len() > 1
    }
}

/// The groups, largest first in the batch at hand.
#[derive(Debug, Clone, Serialize)]
pub struct Clustering {
    pub clusters: Vec<Cluster>,
    /// For each complaint, the index of its group in `clusters`.
    pub cluster_of: Vec<usize>,
}

/// A complaint's weighted terms.
struct Profile {
    /// Ordinary terms (ids in the [`Vocabulary`]) with their weights, sorted by id.
    terms: Vec<(u32, f32)>,
    /// Specific terms (roads, taxes), sorted: they only veto (see `similarity`).
    specifics: Vec<Term>,
    sum: f32,
    sum_squares: f32,
}

/// Groups `complaints` into problems.
pub fn cluster(complaints: &[Complaint], params: &ClusterParams) -> Clustering {
    let analyzer = TermAnalyzer::shared();
    let terms: Vec<Vec<Term>> = complaints
        .par_iter()
        .map(|c| analyzer.terms(&c.text, params.word_pairs))
        .collect();
    cluster_with_terms(complaints, terms, params)
}

/// Groups `complaints` whose terms ([`TermAnalyzer::terms`] with [`ClusterParams::word_pairs`], one list per
/// complaint) are already known.
pub fn cluster_with_terms(
    complaints: &[Complaint],
    terms: Vec<Vec<Term>>,
    params: &ClusterParams,
) -> Clustering {
    assert_eq!(complaints.len(), terms.len(), "one term list per complaint");
    let analyzer = TermAnalyzer::shared();
    let vocabulary = Vocabulary::of(&terms);
    let prior = params
        .background
        .then(|| background::background(params.word_pairs));
    let prior_frequency = |t: &Term| prior.map_or(0, |p| p.frequency.get(t).copied().unwrap_or(0));
    let n = (complaints.len() as u32 + prior.map_or(0, |p| p.documents)).max(1) as f32;
    let idf = |df: u32| (n / df as f32).ln() + 1.0;
    let weights: Vec<f32> = vocabulary
        .terms
        .par_iter()
        .zip(&vocabulary.frequency)
        .map(|(t, &df)| idf(df + prior_frequency(t)))
        .collect();
    let (profiles, keys): (Vec<Profile>, Vec<Vec<u32>>) = terms
        .into_par_iter()
        .map(|terms| {
            // Specifics sort last (their top bit is set); their words already count as ordinary terms.
            let ordinary = terms.partition_point(|&t| specific_kind(t).is_none());
            let specifics = terms[ordinary..].to_vec();
            let mut ids: Vec<u32> = terms[..ordinary].iter().map(|t| vocabulary.id(t)).collect();
            ids.sort_unstable();
            let keys = rarest_shared(&ids, &vocabulary.frequency, params.keys_per_complaint);
            let terms: Vec<(u32, f32)> = ids.iter().map(|&id| (id, weights[id as usize])).collect();
            let sum = terms.iter().map(|(_, w)| w).sum();
            let sum_squares = terms.iter().map(|(_, w)| w * w).sum();
            let profile = Profile {
                terms,
                specifics,
                sum,
                sum_squares,
            };
            (profile, keys)
        })
        .unzip();
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); vocabulary.terms.len()];
    for (i, keys) in keys.iter().enumerate() {
        for &key in keys {
            postings[key as usize].push(i as u32);
        }
    }
    let floor = params.lone_floor.min(params.threshold);
    let packed = Packed::of(&profiles);
    let mut edges: Vec<(f32, u32, u32)> = (0..complaints.len())
        .into_par_iter()
        .map_init(
            || Scratch::new(vocabulary.terms.len()),
            |scratch, i| {
                scratch.candidates.clear();
                for &key in &keys[i] {
                    let posting = &postings[key as usize];
                    let leaders = &posting[..posting.len().min(params.leaders_per_key)];
                    let earlier = leaders.iter().copied().filter(|&j| (j as usize) < i);
                    scratch.candidates.extend(earlier.clone());
                    if posting.len() <= params.rare_key_complaints {
                        // A rare key counts twice: sharing it alone makes a candidate.
                        scratch.candidates.extend(earlier);
                    }
                }
                scratch.candidates.sort_unstable();
                // Only complaints sharing two keys are compared (one when a complaint has a single key, or the
                // key is rare): a word of three or more characters shared is already three keys (the word and
                // its pieces), and most complaints that share one common term share nothing else.
                let needed = keys[i].len().min(2);
                let profile = &profiles[i];
                scratch.mark(profile, true);
                let mut found = Vec::new();
                let mut weak: [(f32, u32); WEAK_PER_COMPLAINT] = [(0.0, 0); WEAK_PER_COMPLAINT];
                for run in scratch.candidates.chunk_by(|a, b| a == b) {
                    if run.len() < needed {
                        continue;
                    }
                    let j = run[0];
                    let s = scratch.similarity(
                        profile,
                        &profiles,
                        &packed,
                        j as usize,
                        params.similarity,
                    );
                    if s >= params.threshold {
                        found.push((s, j, i as u32));
                    } else if s >= floor && s > weak[WEAK_PER_COMPLAINT - 1].0 {
                        weak[WEAK_PER_COMPLAINT - 1] = (s, j);
                        weak.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
                    }
                }
                scratch.mark(profile, false);
                found.extend(
                    weak.iter()
                        .filter(|(s, _)| *s > 0.0)
                        .map(|&(s, j)| (s, j, i as u32)),
                );
                found
            },
        )
        .flatten_iter()
        .collect();
    edges.par_sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let strong = edges.partition_point(|e| e.0 >= params.threshold);
    let mut groups = link(&edges[..strong], &profiles, params);
    join_lone_complaints(&edges, &profiles, &mut groups, params.lone_coverage);
    let weight_of_word = |word: &str| {
        let t = term_of(word);
        idf(vocabulary.frequency_of(&t).max(1) + prior_frequency(&t))
    };
    describe(
        complaints,
        &profiles,
        &weight_of_word,
        analyzer,
        groups,
        params,
    )
}

/// Joins complaints along the edges, most similar first, into groups. An edge joins two groups only when each
/// end is similar enough to one of the other group's first members ([`ClusterParams::sample_per_group`]):
/// plain single linkage would chain look-alikes into one huge group over a large batch (a complaint like a
/// second, like a third about something else), while this keeps each group near where it started.
fn link(edges: &[(f32, u32, u32)], profiles: &[Profile], params: &ClusterParams) -> UnionFind {
    let mut groups = UnionFind::new(profiles.len());
    // The first members of each group, by input order, kept under its root: in place, no allocation.
    let mut samples: Vec<Sample> = (0..profiles.len() as u32).map(Sample::one).collect();
    let sample_size = params.sample_per_group.clamp(1, SAMPLE_CAPACITY);
    // Pairs of groups found too far apart, not checked again (a group's first members seldom change later).
    let mut refused: FxHashSet<(usize, usize)> = FxHashSet::default();
    // Whether `member` is like one of `sample`; `partner` (the edge's other end) is known to be.
    let close = |member: u32, partner: u32, sample: &Sample| {
        let sample = sample.members();
        sample.contains(&partner)
            || sample.iter().any(|&other| {
                similarity(
                    &profiles[member as usize],
                    &profiles[other as usize],
                    params.similarity,
                ) >= params.threshold
            })
    };
    for &(_, a, b) in edges.iter() {
        let (root_a, root_b) = (groups.find(a as usize), groups.find(b as usize));
        if root_a == root_b || refused.contains(&(root_a.min(root_b), root_a.max(root_b))) {
            continue;
        }
        if !(close(a, b, &samples[root_b]) && close(b, a, &samples[root_a])) {
            refused.insert((root_a.min(root_b), root_a.max(root_b)));
            continue;
        }
        let sample = samples[root_a].merged(&samples[root_b], sample_size);
        let root = groups.union(root_a, root_b);
        samples[root] = sample;
    }
    groups
}

/// Most members a group's sample holds.
const SAMPLE_CAPACITY: usize = 8;

/// A group's first members, in input order.
#[derive(Clone, Copy)]
struct Sample {
    members: [u32; SAMPLE_CAPACITY],
    len: u8,
}

impl Sample {
    fn one(member: u32) -> Sample {
        let mut members = [0; SAMPLE_CAPACITY];
        members[0] = member;
        Sample { members, len: 1 }
    }

    fn members(&self) -> &[u32] {
        &self.members[..self.len as usize]
    }

    /// The first `size` members of both.
    fn merged(&self, other: &Sample, size: usize) -> Sample {
        let mut all: Vec<u32> = Vec::with_capacity(2 * SAMPLE_CAPACITY);
        all.extend_from_slice(self.members());
        all.extend_from_slice(other.members());
        all.sort_unstable();
        all.truncate(size);
        let mut members = [0; SAMPLE_CAPACITY];
        members[..all.len()].copy_from_slice(&all);
        Sample {
            members,
            len: all.len() as u8,
        }
    }
}

/// Candidate pairs below the threshold kept per complaint, for `join_lone_complaints`.
const WEAK_PER_COMPLAINT: usize = 3;

/// A group's centre (term id → summed unit weights), its members' specifics, and the centre's squared norm.
type Centre = (FxHashMap<u32, f32>, Vec<Term>, f32);

/// Second pass: a complaint left alone joins the group of a complaint it is somewhat like (an edge, most
/// similar first) when its terms carry at least `coverage` of the weight of the group's centre (the sum of
/// the members' unit vectors, squared weights). A problem mentioned in passing inside a long complaint about
/// other things is far from each member by cosine, but holds what the members share. Only a complaint alone
/// joins, and the centres are those of the first pass, so groups cannot chain into one another; the road and
/// tax veto holds against every member's specifics.
fn join_lone_complaints(
    edges: &[(f32, u32, u32)],
    profiles: &[Profile],
    groups: &mut UnionFind,
    coverage: f32,
) {
    let mut lone_edges: Vec<(u32, usize)> = Vec::new();
    for &(_, a, b) in edges {
        let (size_a, size_b) = (groups.size(a as usize), groups.size(b as usize));
        if size_a == 1 && size_b > 1 {
            lone_edges.push((a, groups.find(b as usize)));
        } else if size_b == 1 && size_a > 1 {
            lone_edges.push((b, groups.find(a as usize)));
        }
    }
    if lone_edges.is_empty() {
        return;
    }
    // Centres of the groups some lone complaint is near, with their members' specifics.
    let mut centres: FxHashMap<usize, Centre> = FxHashMap::default();
    for &(_, root) in &lone_edges {
        centres.entry(root).or_default();
    }
    for (i, profile) in profiles.iter().enumerate() {
        let root = groups.find(i);
        if let Some((centre, specifics, _)) = centres.get_mut(&root) {
            let norm = profile.sum_squares.sqrt().max(f32::MIN_POSITIVE);
            for &(t, w) in &profile.terms {
                *centre.entry(t).or_default() += w / norm;
            }
            specifics.extend_from_slice(&profile.specifics);
        }
    }
    for (centre, specifics, total) in centres.values_mut() {
        specifics.sort_unstable();
        specifics.dedup();
        *total = centre.values().map(|w| w * w).sum();
    }
    let mut joined: FxHashSet<u32> = FxHashSet::default();
    for (lone, root) in lone_edges {
        if joined.contains(&lone) {
            continue;
        }
        let (centre, specifics, total) = &centres[&root];
        let profile = &profiles[lone as usize];
        if conflicting_specifics(&profile.specifics, specifics) {
            continue;
        }
        let covered: f32 = profile
            .terms
            .iter()
            .filter_map(|(t, _)| centre.get(t))
            .map(|w| w * w)
            .sum();
        if covered >= coverage * total {
            groups.union(lone as usize, root);
            joined.insert(lone);
        }
    }
}

/// The distinct terms of all complaints, numbered densely (so that a complaint's terms index arrays rather
/// than hash maps where speed matters), with the number of complaints each occurs in.
struct Vocabulary {
    /// Sorted.
    terms: Vec<Term>,
    frequency: Vec<u32>,
    ids: FxHashMap<Term, u32>,
}

impl Vocabulary {
    fn of(terms: &[Vec<Term>]) -> Vocabulary {
        let mut all: Vec<Term> = terms.iter().flatten().copied().collect();
        all.par_sort_unstable();
        let mut vocabulary = Vocabulary {
            terms: Vec::new(),
            frequency: Vec::new(),
            ids: FxHashMap::with_capacity_and_hasher(all.len() / 8, Default::default()),
        };
        for run in all.chunk_by(|a, b| a == b) {
            vocabulary.ids.insert(run[0], vocabulary.terms.len() as u32);
            vocabulary.terms.push(run[0]);
            vocabulary.frequency.push(run.len() as u32);
        }
        vocabulary
    }

    /// The id of a term of one of the complaints.
    fn id(&self, term: &Term) -> u32 {
        self.ids[term]
    }

    /// In how many complaints a term occurs (0 for a term of none).
    fn frequency_of(&self, term: &Term) -> u32 {
        self.ids
            .get(term)
            .map_or(0, |&id| self.frequency[id as usize])
    }
}

/// One worker's buffers for comparing a complaint with its candidates, reused from one complaint to the next:
/// the complaint's terms marked in a bit set over the vocabulary (small enough to stay in cache), so each
/// candidate is compared by looking its own terms up — one pass over the candidate, no merge and no
/// allocation per pair.
struct Scratch {
    present: Vec<u64>,
    candidates: Vec<u32>,
}

impl Scratch {
    fn new(vocabulary: usize) -> Scratch {
        Scratch {
            present: vec![0; vocabulary.div_ceil(64)],
            candidates: Vec::new(),
        }
    }

    /// Marks (or unmarks) the terms of the complaint the candidates are compared with.
    fn mark(&mut self, profile: &Profile, on: bool) {
        for &(t, _) in &profile.terms {
            let (word, bit) = (t as usize / 64, 1u64 << (t % 64));
            if on {
                self.present[word] |= bit;
            } else {
                self.present[word] &= !bit;
            }
        }
    }

    /// [`similarity`] of the marked complaint `a` with complaint `b`, read from `packed`.
    fn similarity(
        &self,
        a: &Profile,
        profiles: &[Profile],
        packed: &Packed,
        b: usize,
        kind: Similarity,
    ) -> f32 {
        if packed.with_specifics[b] && conflicting_specifics(&a.specifics, &profiles[b].specifics) {
            return 0.0;
        }
        let (mut shared, mut shared_squares) = (0.0f32, 0.0f32);
        for &(t, w) in packed.terms(b) {
            // Weights depend on the term only: a shared term weighs the same in both.
            let present = ((self.present[t as usize / 64] >> (t % 64)) & 1) as f32;
            shared += present * w;
            shared_squares += present * w * w;
        }
        let (sum, sum_squares) = packed.sums[b];
        combine(
            (a.sum, a.sum_squares),
            (sum, sum_squares),
            shared,
            shared_squares,
            kind,
        )
    }
}

/// Every complaint's terms in one array, with their sums: in the candidate loop each candidate is a random
/// access, and reading one array in the order of the (sorted) candidates costs far fewer cache misses than a
/// separate allocation per complaint.
struct Packed {
    terms: Vec<(u32, f32)>,
    /// Where each complaint's terms start; one more at the end.
    start: Vec<usize>,
    sums: Vec<(f32, f32)>,
    with_specifics: Vec<bool>,
}

impl Packed {
    fn of(profiles: &[Profile]) -> Packed {
        let mut packed = Packed {
            terms: Vec::with_capacity(profiles.iter().map(|p| p.terms.len()).sum()),
            start: Vec::with_capacity(profiles.len() + 1),
            sums: profiles.iter().map(|p| (p.sum, p.sum_squares)).collect(),
            with_specifics: profiles.iter().map(|p| !p.specifics.is_empty()).collect(),
        };
        for profile in profiles {
            packed.start.push(packed.terms.len());
            packed.terms.extend_from_slice(&profile.terms);
        }
        packed.start.push(packed.terms.len());
        packed
    }

    fn terms(&self, complaint: usize) -> &[(u32, f32)] {
        &self.terms[self.start[complaint]..self.start[complaint + 1]]
    }
}

/// The `count` rarest of `terms` (ids) that some other complaint also has.
fn rarest_shared(terms: &[u32], frequency: &[u32], count: usize) -> Vec<u32> {
    let mut shared: Vec<(u32, u32)> = terms
        .iter()
        .map(|&t| (frequency[t as usize], t))
        .filter(|&(df, _)| df >= 2)
        .collect();
    shared.sort_unstable();
    shared.into_iter().take(count).map(|(_, t)| t).collect()
}

/// How alike two complaints are, 0 when they name different specifics of one kind (another road, another tax).
fn similarity(a: &Profile, b: &Profile, kind: Similarity) -> f32 {
    if conflicting_specifics(&a.specifics, &b.specifics) {
        return 0.0;
    }
    let (mut i, mut j) = (0, 0);
    let (mut shared, mut shared_squares) = (0.0f32, 0.0f32);
    while i < a.terms.len() && j < b.terms.len() {
        let (ta, wa) = a.terms[i];
        let tb = b.terms[j].0;
        match ta.cmp(&tb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += wa;
                shared_squares += wa * wa;
                i += 1;
                j += 1;
            }
        }
    }
    combine(
        (a.sum, a.sum_squares),
        (b.sum, b.sum_squares),
        shared,
        shared_squares,
        kind,
    )
}

/// The similarity of two complaints from the weight of the terms they share.
/// `a` and `b` are each complaint's (sum, sum of squares) of weights.
fn combine(
    a: (f32, f32),
    b: (f32, f32),
    shared: f32,
    shared_squares: f32,
    kind: Similarity,
) -> f32 {
    if shared == 0.0 {
        return 0.0;
    }
    match kind {
        Similarity::Cosine => shared_squares / (a.1 * b.1).sqrt(),
        Similarity::Overlap => shared / a.0.min(b.0),
        Similarity::Jaccard => shared / (a.0 + b.0 - shared),
    }
}

/// Whether both name a specific of one kind (a road, a tax) but none of that kind in common.
fn conflicting_specifics(a: &[Term], b: &[Term]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let kinds = |terms: &[Term]| {
        terms
            .iter()
            .filter_map(|&t| specific_kind(t))
            .fold(0u32, |m, k| m | 1 << k)
    };
    let common_kinds = kinds(a) & kinds(b);
    let shared_kinds = a
        .iter()
        .filter(|t| b.contains(t))
        .filter_map(|&t| specific_kind(t))
        .fold(0u32, |m, k| m | 1 << k);
    common_kinds & !shared_kinds != 0
}

/// Turns components into described groups, largest first.
fn describe(
    complaints: &[Complaint],
    profiles: &[Profile],
    weight_of_word: &(dyn Fn(&str) -> f32 + Sync),
    analyzer: &TermAnalyzer,
    mut groups: UnionFind,
    params: &ClusterParams,
) -> Clustering {
    let mut by_root: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for i in 0..complaints.len() {
        by_root.entry(groups.find(i)).or_default().push(i);
    }
    let mut member_lists: Vec<Vec<usize>> = by_root.into_values().collect();
    let current = |members: &Vec<usize>| {
        members
            .iter()
            .filter(|&&i| complaints[i].batch == 0)
            .count()
    };
    member_lists.sort_by_cached_key(|members| {
        (
            std::cmp::Reverse(current(members)),
            std::cmp::Reverse(members.len()),
            members[0],
        )
    });
    let clusters: Vec<Cluster> = member_lists
        .into_par_iter()
        .map(|members| {
            let current_size = current(&members);
            let representative = representative(&members, complaints, profiles);
            let key_words = if members.len() > 1 {
                key_words(
                    &members,
                    complaints,
                    analyzer,
                    weight_of_word,
                    params.key_words,
                )
            } else {
                Vec::new()
            };
            let dates: Vec<String> = members
                .iter()
                .filter_map(|&i| complaints[i].date.as_deref().and_then(dates::parse_date))
                .collect();
            let enterprises: BTreeSet<&str> = members
                .iter()
                .filter_map(|&i| complaints[i].enterprise.as_deref())
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect();
            let batches: BTreeSet<usize> = members.iter().map(|&i| complaints[i].batch).collect();
            Cluster {
                current_size,
                representative,
                key_words,
                first_date: dates.iter().min().cloned(),
                last_date: dates.iter().max().cloned(),
                enterprises: enterprises.into_iter().map(str::to_string).collect(),
                batches: batches.into_iter().collect(),
                members,
            }
        })
        .collect();
    let mut cluster_of = vec![0; complaints.len()];
    for (index, cluster) in clusters.iter().enumerate() {
        for &member in &cluster.members {
            cluster_of[member] = index;
        }
    }
    Clustering {
        clusters,
        cluster_of,
    }
}

/// The member most like the rest of the group: highest cosine with the sum of the other members' vectors.
/// Members of the batch at hand are preferred, so the id can be looked up in it.
fn representative(members: &[usize], complaints: &[Complaint], profiles: &[Profile]) -> usize {
    let current: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| complaints[i].batch == 0)
        .collect();
    let candidates = if current.is_empty() {
        members
    } else {
        &current[..]
    };
    if candidates.len() == 1 {
        return candidates[0];
    }
    let mut centre: FxHashMap<u32, f32> = FxHashMap::default();
    for &i in members {
        for &(t, w) in &profiles[i].terms {
            *centre.entry(t).or_default() += w;
        }
    }
    let closeness = |i: usize| {
        let profile = &profiles[i];
        let dot: f32 = profile
            .terms
            .iter()
            // Its own weight left out of the sum: a long complaint would otherwise be most like itself.
            .map(|(t, w)| w * (centre.get(t).copied().unwrap_or(0.0) - w))
            .sum();
        dot / profile.sum_squares.sqrt().max(f32::MIN_POSITIVE)
    };
    candidates
        .iter()
        .copied()
        .map(|i| (closeness(i), i))
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map_or(candidates[0], |(_, i)| i)
}

/// Members looked at for a group's key words: enough to find what they share.
const KEY_WORD_SAMPLE: usize = 50;

/// The words shared by most members, weighted by how rare they are overall.
fn key_words(
    members: &[usize],
    complaints: &[Complaint],
    analyzer: &TermAnalyzer,
    weight_of_word: &(dyn Fn(&str) -> f32 + Sync),
    count: usize,
) -> Vec<String> {
    let sample = &members[..members.len().min(KEY_WORD_SAMPLE)];
    let mut in_members: FxHashMap<String, usize> = FxHashMap::default();
    for &i in sample {
        let words: FxHashSet<String> = analyzer.words(&complaints[i].text).into_iter().collect();
        for word in words {
            *in_members.entry(word).or_default() += 1;
        }
    }
    let needed = (sample.len() as f32 * 0.3).ceil().max(2.0) as usize;
    let mut scored: Vec<(f32, String)> = in_members
        .into_iter()
        .filter(|(word, members)| {
            // A bare figure (12, 2023) reads as nothing on its own in a list of key words.
            *members >= needed
                && word.chars().count() > 1
                && !word.chars().all(|c| c.is_ascii_digit())
        })
        .map(|(word, members)| (members as f32 * weight_of_word(&word), word))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(count).map(|(_, w)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complaint(id: &str, text: &str) -> Complaint {
        Complaint {
            id: id.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    fn background() -> Vec<Complaint> {
        [
            "企业反映招工难，普工工资涨了还是招不到人",
            "我公司出口退税迟迟未到账，资金周转困难",
            "园区夜间路灯不亮，员工下夜班回家不安全",
            "申请高新技术企业认定补贴，材料交了半年没有回音",
            "银行抽贷断贷，续贷需要过桥资金，成本太高",
            "办理环评审批手续太慢，项目无法开工",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| complaint(&format!("b{i}"), t))
        .collect()
    }

    #[test]
    fn one_problem_in_different_words_and_scripts_is_one_group() {
        let mut complaints = background();
        complaints.push(complaint(
            "a1",
            "工业园区长江路路面塌陷多处，大货车无法通行，请尽快修复长江路",
        ));
        complaints.push(complaint(
            "a2",
            "長江路路面塌陷已經三個月了，貨車進不了園區，影響發貨",
        ));
        complaints.push(complaint("a3", "长江路路面塌陷，货车通行困难"));
        let clustering = cluster(&complaints, &ClusterParams::default());
        let group = |id: &str| {
            let i = complaints.iter().position(|c| c.id == id).unwrap();
            clustering.cluster_of[i]
        };
        assert_eq!(group("a1"), group("a2"));
        assert_eq!(group("a1"), group("a3"));
        assert_ne!(group("a1"), group("b2"));
        let road = &clustering.clusters[group("a1")];
        assert_eq!(road.members.len(), 3);
        assert!(
            road.key_words.contains(&"长江路".to_string()),
            "{:?}",
            road.key_words
        );
    }

    #[test]
    fn a_problem_mentioned_in_passing_joins_its_group() {
        let mut complaints = background();
        for (id, text) in [
            (
                "f1",
                "新厂房消防验收排期太长，排了四个月还没排上，设备到位却不能投产",
            ),
            ("f2", "消防驗收一直排不上號，新廠房建好半年了不能投產"),
            (
                "f3",
                "来电人反映：新建厂房消防验收排期过长，请求加快安排消防验收",
            ),
            (
                "long",
                "我公司今年经营压力很大：原材料铜价上涨三成，海外客户压价，利润越来越薄；仓库租约到期房东\
                 要涨租金；新厂房消防验收也排了四个月；食堂承包商换了三次，饭菜质量差，技术骨干走了好几个。",
            ),
        ] {
            complaints.push(complaint(id, text));
        }
        let group_of = |clustering: &Clustering, id: &str| {
            clustering.cluster_of[complaints.iter().position(|c| c.id == id).unwrap()]
        };
        let clustering = cluster(&complaints, &ClusterParams::default());
        assert_eq!(group_of(&clustering, "f1"), group_of(&clustering, "f2"));
        assert_eq!(group_of(&clustering, "f1"), group_of(&clustering, "f3"));
        assert_eq!(group_of(&clustering, "f1"), group_of(&clustering, "long"));
        let group = &clustering.clusters[group_of(&clustering, "f1")];
        assert_eq!(group.members.len(), 4, "nothing else joins");
        assert_ne!(complaints[group.representative].id, "long");
        // Without the second pass the long complaint stays alone: cosine alone does not reach it.
        let strict = ClusterParams {
            lone_coverage: 2.0,
            ..ClusterParams::default()
        };
        let clustering = cluster(&complaints, &strict);
        assert_eq!(group_of(&clustering, "f1"), group_of(&clustering, "f3"));
        assert_ne!(group_of(&clustering, "f1"), group_of(&clustering, "long"));
    }

    #[test]
    fn a_lone_complaint_about_another_road_does_not_join() {
        let mut complaints = background();
        for (id, text) in [
            ("h1", "高新区黄河路路灯长期不亮，员工下夜班不安全"),
            ("h2", "黃河路的路燈壞了一年多了，晚上黑漆漆的"),
            (
                "h3",
                "来电人反映：黄河路路灯损坏，夜间一片漆黑，请修复黄河路路灯",
            ),
            ("c1", "长江路路灯长期不亮，夜里员工回家不安全，请修复"),
        ] {
            complaints.push(complaint(id, text));
        }
        let clustering = cluster(&complaints, &ClusterParams::default());
        let group_of =
            |id: &str| clustering.cluster_of[complaints.iter().position(|c| c.id == id).unwrap()];
        assert_eq!(group_of("h1"), group_of("h3"));
        assert_ne!(group_of("h1"), group_of("c1"));
    }

    #[test]
    fn earlier_batches_make_a_group_recur() {
        let mut complaints = background();
        complaints.push(complaint("now", "开发区污水处理厂收费标准太高，企业负担重"));
        complaints.push(Complaint {
            batch: 1,
            date: Some("2024-03-01".into()),
            ..complaint("then", "开发区污水处理厂收费标准偏高，请核查")
        });
        let clustering = cluster(&complaints, &ClusterParams::default());
        let now = clustering.cluster_of[complaints.len() - 2];
        let group = &clustering.clusters[now];
        assert_eq!(group.members.len(), 2);
        assert!(group.recurs());
        assert_eq!(group.current_size, 1);
        assert_eq!(group.first_date.as_deref(), Some("2024-03-01"));
        assert_eq!(complaints[group.representative].id, "now");
    }
}
