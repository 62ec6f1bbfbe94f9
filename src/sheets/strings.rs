//! Compact storage for the short, often repeated strings of a roster (ids, names, reviewers,
//! teams): each distinct string is kept once in one buffer and named by a small number, so a
//! long roster costs a few bytes a review instead of a heap allocation per field.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

/// The number of a string in [`Strings`].
pub type Sym = u32;

/// Interned strings. Symbol 0 is the empty string.
#[derive(Debug)]
pub struct Strings {
    text: String,
    /// End of each string in `text`; a string starts where the one before it ends.
    ends: Vec<usize>,
    /// Symbols, found by the hash of their text.
    index: HashTable<Sym>,
    hasher: RandomState,
}

impl Default for Strings {
    fn default() -> Self {
        Self::new()
    }
}

impl Strings {
    /// The empty string's symbol.
    pub const EMPTY: Sym = 0;

    pub fn new() -> Self {
        let mut s = Self {
            text: String::new(),
            ends: Vec::new(),
            index: HashTable::new(),
            hasher: RandomState::new(),
        };
        s.intern("");
        s
    }

    /// The symbol of `s`, added if it is new; `None` once there are `Sym::MAX` strings.
    pub fn intern(&mut self, s: &str) -> Option<Sym> {
        let hash = self.hasher.hash_one(s);
        let Self {
            text,
            ends,
            index,
            hasher,
        } = self;
        if let Some(&sym) = index.find(hash, |&i| span(text, ends, i) == s) {
            return Some(sym);
        }
        let sym = Sym::try_from(ends.len()).ok().filter(|&n| n < Sym::MAX)?;
        text.push_str(s);
        ends.push(text.len());
        index.insert_unique(hash, sym, |&i| hasher.hash_one(span(text, ends, i)));
        Some(sym)
    }

    /// The text of a symbol (empty for a symbol this table did not give out).
    pub fn get(&self, sym: Sym) -> &str {
        span(&self.text, &self.ends, sym)
    }

    /// The symbol of `s`, if it was interned.
    pub fn find(&self, s: &str) -> Option<Sym> {
        let hash = self.hasher.hash_one(s);
        self.index
            .find(hash, |&i| span(&self.text, &self.ends, i) == s)
            .copied()
    }

    /// The strings without the index that finds them, in memory of exactly their size: for
    /// keeping once all strings are in.
    pub fn freeze(self) -> Frozen {
        Frozen {
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        }
    }
}

/// Interned strings that can be read but no longer added to.
#[derive(Debug)]
pub struct Frozen {
    text: Box<str>,
    ends: Box<[usize]>,
}

impl Frozen {
    /// The text of a symbol (empty for a symbol the table did not give out).
    pub fn get(&self, sym: Sym) -> &str {
        span(&self.text, &self.ends, sym)
    }
}

fn span<'a>(text: &'a str, ends: &[usize], sym: Sym) -> &'a str {
    let i = sym as usize;
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0)
    };
    ends.get(i)
        .and_then(|&end| text.get(start..end))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_a_symbol() {
        let mut s = Strings::new();
        let a = s.intern("Ada").expect("room");
        let b = s.intern("Bob").expect("room");
        assert_ne!(a, b);
        assert_eq!(s.intern("Ada"), Some(a));
        assert_eq!(s.intern(""), Some(Strings::EMPTY));
        assert_eq!(
            (s.get(a), s.get(b), s.get(Strings::EMPTY)),
            ("Ada", "Bob", "")
        );
        assert_eq!(s.get(99), "");
        assert_eq!((s.find("Bob"), s.find("Eve")), (Some(b), None));
        // Many strings: the table grows and still finds every one.
        let syms: Vec<Sym> = (0..5000)
            .map(|i| s.intern(&format!("é{i}")).expect("room"))
            .collect();
        for (i, sym) in syms.iter().enumerate() {
            assert_eq!(s.get(*sym), format!("é{i}"));
            assert_eq!(s.intern(&format!("é{i}")), Some(*sym));
        }
        let frozen = s.freeze();
        assert_eq!((frozen.get(a), frozen.get(syms[4999])), ("Ada", "é4999"));
        assert_eq!(frozen.get(Strings::EMPTY), "");
    }
}
