//! The locked text of a review sheet (provenance and every row's area, competency and level
//! cells) and its hash, which the manifest records and the reader recomputes to detect edits.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Provenance;
use crate::model::{Area, Competency};
use crate::util::text::{canonical, hex};

/// The locked content of one competency row, as the importer reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedRow {
    pub competency_id: String,
    pub area: String,
    pub competency: String,
    /// Text of each level column, lowest level first.
    pub levels: Vec<String>,
}

impl LockedRow {
    /// The locked row of a competency, as `rungs sheets` writes it.
    pub fn of(area: &Area, comp: &Competency) -> Self {
        Self {
            competency_id: comp.id.clone(),
            area: area.title.clone(),
            competency: comp.title.clone(),
            levels: comp
                .cells
                .iter()
                .map(|cell| level_cell_text(cell.items.iter().map(|e| e.text.as_str())))
                .collect(),
        }
    }
}

/// SHA-256 (hex) of a sheet's locked text: the provenance pairs and every row's locked cells.
///
/// Each value is made [`canonical`] first (line endings, surrounding space), because
/// applications rewrite those on save; anything else changed changes the hash.
pub fn locked_text_hash(prov: &Provenance, rows: &[LockedRow]) -> String {
    hex(&locked_text_digest(prov, rows))
}

/// The raw SHA-256 behind [`locked_text_hash`].
pub fn locked_text_digest(prov: &Provenance, rows: &[LockedRow]) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        let n = canonical(s);
        h.update((n.len() as u64).to_le_bytes());
        h.update(n.as_bytes());
    };
    for (k, v) in prov.to_pairs() {
        field(k);
        field(&v);
    }
    for r in rows {
        field(&r.competency_id);
        field(&r.area);
        field(&r.competency);
        for l in &r.levels {
            field(l);
        }
        field("\u{1e}");
    }
    h.finalize().into()
}

/// Text of one level cell: each expectation as `• text`, one per line.
pub fn level_cell_text<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|t| format!("• {t}"))
        .collect::<Vec<_>>()
        .join("\n")
}
