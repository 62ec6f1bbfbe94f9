//! One PDF from the PDFs typst made of the parts of one long document, each part typeset and
//! exported on its own so that memory holds one part at a time, however long the document.
//!
//! The parts are PDFs that `typst_pdf` wrote (tagged, classic cross-reference table). Joining
//! keeps what a reader and assistive technology need: the pages in order, one structure tree
//! (the parts' `Document` elements merged into one, parent-tree keys and element ids renumbered
//! so none repeats), one outline (a part may continue the outline entry before it, as the
//! people's pages continue "People"), the first part's catalog entries (language, metadata,
//! output intents, viewer preferences) and document information. Parts are joined in order as
//! they are made. Footers ("page N of M", known only once every part is laid out) come from
//! PDFs of empty pages with only footers: each of their pages is drawn over the joined page of
//! the same number, as an artifact, through a small form that the page names when it is
//! joined and that is written once the footers exist.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use hayro_write::hayro_syntax::Pdf as Parsed;
use hayro_write::hayro_syntax::object::{
    Array, Dict, MaybeRef, Name as PName, ObjRef, Object, ObjectIdentifier,
};
use hayro_write::{ExtractionQuery, extract};
use pdf_writer::{Chunk, Finish, Name, Obj, Pdf, Ref, Str};

/// One part to join.
pub(crate) struct Part {
    pub bytes: Vec<u8>,
    /// Its top-level outline entries belong under the last top-level entry of the parts
    /// before it (they are the continuation of that section).
    pub continues_outline: bool,
}

/// Why parts could not be joined (a bug, or a layout that writes what joining does not keep).
pub(crate) type JoinError = String;

/// The catalog entries a part may carry that the joined PDF rebuilds or copies from the first
/// part; any other entry (named destinations, forms, page labels) cannot be joined.
const CATALOG_KEYS: [&[u8]; 11] = [
    b"Type",
    b"Pages",
    b"Outlines",
    b"StructTreeRoot",
    b"Metadata",
    b"Lang",
    b"MarkInfo",
    b"ViewerPreferences",
    b"OutputIntents",
    b"PageMode",
    b"Version",
];

/// Joins parts into one PDF as they are made, in order ([`Joiner::add`]), then draws each page
/// of the footers (PDFs holding only footers, as many pages in all as the parts, known only
/// once every part is in) over the joined page of the same number ([`Joiner::finish`]). Each
/// part is read, copied and dropped in turn, so memory holds the joined PDF and one part, and
/// the copying runs while later parts are still being typeset.
pub(crate) struct Joiner {
    out: Pdf,
    /// The next free object number.
    next: Cell<i32>,
    fixed: Fixed,
    merged: Merged,
    /// With footers: per joined page, the form that draws its footer (written by `finish`).
    footer_forms: Option<Vec<Ref>>,
    /// Parts joined so far.
    parts: usize,
    /// The first part's XMP metadata, written by `finish` with the joined page count.
    xmp: Option<(Ref, Vec<u8>)>,
}

/// The object numbers handed out from `next`, in order.
fn allocator(next: &Cell<i32>) -> impl Fn() -> Ref + '_ {
    move || {
        let r = Ref::new(next.get());
        next.set(next.get() + 1);
        r
    }
}

impl Joiner {
    /// A joiner for a document whose pages get footers (`with_footers`) or not.
    pub(crate) fn new(with_footers: bool) -> Self {
        let next = Cell::new(1);
        let fixed = {
            let alloc = allocator(&next);
            Fixed {
                catalog: alloc(),
                pages: alloc(),
                struct_root: alloc(),
                document: alloc(),
                outlines: alloc(),
                info: alloc(),
            }
        };
        Self {
            // Compact, as typst writes its PDFs.
            out: Pdf::with_settings(pdf_writer::Settings { pretty: false }),
            next,
            fixed,
            merged: Merged::default(),
            footer_forms: with_footers.then(Vec::new),
            parts: 0,
            xmp: None,
        }
    }

    /// Pages joined so far.
    pub(crate) fn pages(&self) -> usize {
        self.merged.pages.len()
    }

    /// Joins the next part.
    pub(crate) fn add(&mut self, part: Part) -> Result<(), JoinError> {
        let Self {
            out,
            next,
            fixed,
            merged,
            footer_forms,
            parts,
            xmp,
        } = self;
        let alloc = allocator(next);
        // The first part's header, `%PDF-1.7`: all parts are made with the same standards.
        if *parts == 0
            && let [b'%', b'P', b'D', b'F', b'-', major, b'.', minor, ..] = part.bytes[..]
        {
            out.set_version(major - b'0', minor - b'0');
        }
        let continues = part.continues_outline;
        let pdf = Parsed::new(part.bytes).map_err(|e| format!("cannot read a part: {e:?}"))?;
        let forms: Option<Vec<Ref>> = footer_forms.as_mut().map(|all| {
            let forms: Vec<Ref> = (0..pdf.pages().len()).map(|_| alloc()).collect();
            all.extend(&forms);
            forms
        });
        let mut copier = Copier::new(&pdf, *parts, fixed, &alloc, merged.struct_parents);
        copier.copy_part(out, merged, continues, forms.as_deref())?;
        if *parts == 0 {
            *xmp = write_catalog(out, fixed, &pdf, merged, &alloc)?;
            write_info(out, fixed.info, &pdf);
            merged.document_attributes = document_attributes(&pdf, merged);
        }
        *parts += 1;
        Ok(())
    }

    /// The joined PDF, with the pages of `footers` drawn over its pages and the file id `id`.
    pub(crate) fn finish(self, footers: Vec<Vec<u8>>, id: &[u8; 16]) -> Result<Vec<u8>, JoinError> {
        let Self {
            mut out,
            next,
            fixed,
            merged,
            footer_forms,
            xmp,
            ..
        } = self;
        let alloc = allocator(&next);
        if let Some(forms) = footer_forms {
            let overlays = footers
                .into_iter()
                .map(|bytes| Overlay::new(bytes, &alloc))
                .collect::<Result<Vec<_>, _>>()?;
            let pages: Vec<&(Ref, pdf_writer::Rect)> =
                overlays.iter().flat_map(|o| &o.xobjects).collect();
            if pages.len() != forms.len() {
                return Err(format!(
                    "the footers have {} pages for {} pages",
                    pages.len(),
                    forms.len()
                ));
            }
            for o in &overlays {
                out.extend(&o.chunk);
            }
            // Each page's form draws its footer page, which is known only now.
            for (form, (xobject, bbox)) in forms.into_iter().zip(pages) {
                let mut f = out.form_xobject(form, b"/F Do");
                f.bbox(*bbox);
                f.resources().x_objects().pair(Name(b"F"), *xobject);
            }
        }
        if let Some((at, xml)) = xmp {
            out.metadata(at, &with_page_count(&xml, merged.pages.len()));
        }
        merged.write(&mut out, &fixed, &alloc)?;
        out.set_file_id((id.to_vec(), id.to_vec()));
        Ok(out.finish())
    }
}

/// The objects the joined PDF makes itself.
struct Fixed {
    catalog: Ref,
    pages: Ref,
    struct_root: Ref,
    document: Ref,
    outlines: Ref,
    info: Ref,
}

/// What the parts contribute to the objects the joined PDF makes itself.
#[derive(Default)]
struct Merged {
    pages: Vec<Ref>,
    /// Children of the merged `Document` structure element.
    document_kids: Vec<Ref>,
    /// The first part's `Document` element, whose other entries (language, title) are kept.
    document_entries: Option<(usize, ObjectIdentifier)>,
    /// Those entries: (key, text).
    document_attributes: Vec<(Vec<u8>, Vec<u8>)>,
    parent_tree: Vec<(i32, Ref)>,
    /// Parent-tree keys used so far: the next part's keys start here.
    struct_parents: i32,
    id_tree: Vec<(Vec<u8>, Ref)>,
    role_map: BTreeMap<Vec<u8>, Vec<u8>>,
    outline: Vec<Entry>,
}

/// An outline entry, rebuilt: its title, destination (already copied) and children.
struct Entry {
    title: Vec<u8>,
    dest: Option<Ref>,
    kids: Vec<Entry>,
}

/// The footers' pages as form `XObjects`, one per joined page, with their bounding boxes.
struct Overlay {
    chunk: Chunk,
    xobjects: Vec<(Ref, pdf_writer::Rect)>,
}

impl Overlay {
    fn new(bytes: Vec<u8>, alloc: &dyn Fn() -> Ref) -> Result<Self, JoinError> {
        let pdf = Parsed::new(bytes).map_err(|e| format!("cannot read the footers: {e:?}"))?;
        let pages = pdf.pages();
        let queries: Vec<ExtractionQuery> =
            (0..pages.len()).map(ExtractionQuery::new_xobject).collect();
        let result = extract(
            &pdf,
            Box::new(alloc),
            pdf_writer::Settings { pretty: false },
            |_| {},
            &queries,
        )
        .map_err(|e| format!("cannot take the footers' pages: {e:?}"))?;
        let xobjects = result
            .root_refs
            .into_iter()
            .zip(pages.iter())
            .map(|(r, page)| {
                let b = page.media_box();
                let rect =
                    pdf_writer::Rect::new(b.x0 as f32, b.y0 as f32, b.x1 as f32, b.y1 as f32);
                r.map(|r| (r, rect))
                    .map_err(|e| format!("cannot take a footer page: {e:?}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            chunk: result.chunk,
            xobjects,
        })
    }
}

/// Copies the objects of one part with fresh numbers.
struct Copier<'p, 'a> {
    pdf: &'p Parsed,
    part: usize,
    fixed: &'a Fixed,
    alloc: &'a dyn Fn() -> Ref,
    map: HashMap<ObjRef, Ref>,
    todo: Vec<ObjRef>,
    /// Objects that stand for one of the joined PDF's own (the part's page tree nodes, its
    /// structure tree root and `Document` element).
    special: HashMap<ObjRef, Ref>,
    /// Added to the part's parent-tree keys.
    key_offset: i32,
    /// Prefix that keeps the part's structure element ids apart from the other parts'.
    id_prefix: Vec<u8>,
}

fn obj_ref(id: ObjectIdentifier) -> ObjRef {
    ObjRef::new(id.obj_number, id.gen_number)
}

impl<'p, 'a> Copier<'p, 'a> {
    fn new(
        pdf: &'p Parsed,
        part: usize,
        fixed: &'a Fixed,
        alloc: &'a dyn Fn() -> Ref,
        key_offset: i32,
    ) -> Self {
        Self {
            pdf,
            part,
            fixed,
            alloc,
            map: HashMap::new(),
            todo: Vec::new(),
            special: HashMap::new(),
            key_offset,
            id_prefix: format!("P{}-", part + 1).into_bytes(),
        }
    }

    fn catalog(&self) -> Result<Dict<'p>, JoinError> {
        self.pdf
            .xref()
            .get::<Dict>(self.pdf.xref().root_id())
            .ok_or_else(|| "a part has no catalog".to_owned())
    }

    /// The new number of an object of the part (copied later if not yet).
    fn renumber(&mut self, r: ObjRef) -> Ref {
        if let Some(s) = self.special.get(&r) {
            return *s;
        }
        *self.map.entry(r).or_insert_with(|| {
            self.todo.push(r);
            (self.alloc)()
        })
    }

    fn copy_part(
        &mut self,
        out: &mut Pdf,
        merged: &mut Merged,
        continues_outline: bool,
        footers: Option<&[Ref]>,
    ) -> Result<(), JoinError> {
        let catalog = self.catalog()?;
        for (key, _) in catalog.entries() {
            if !CATALOG_KEYS.contains(&key.as_ref()) {
                return Err(format!(
                    "a part's catalog has /{}, which joining does not keep",
                    key.as_str()
                ));
            }
        }
        self.structure(&catalog, merged)?;
        let mut page_refs = Vec::new();
        for page in self.pdf.pages().iter() {
            let id = page.raw().obj_id().ok_or("a page is not an object")?;
            let new = self.renumber(obj_ref(id));
            page_refs.push((obj_ref(id), new));
            merged.pages.push(new);
        }
        // Pages first, each with its footer; then everything they and the tree reach.
        for (i, (old, new)) in page_refs.into_iter().enumerate() {
            let footer = footers.map(|f| f[i]);
            self.copy_page(out, old, new, footer)?;
        }
        let mut entries = self.outline(&catalog)?;
        if continues_outline && let Some(last) = merged.outline.last_mut() {
            last.kids.append(&mut entries);
        }
        merged.outline.append(&mut entries);
        while let Some(r) = self.todo.pop() {
            let new = self.map[&r];
            let object =
                self.pdf.xref().get::<Object>(r.into()).ok_or_else(|| {
                    format!("a part refers to the missing object {}", r.obj_number)
                })?;
            self.write_indirect(out, new, &object);
        }
        Ok(())
    }

    /// Notes the part's structure tree: its `Document` element's children, parent tree, ids and
    /// role map join the merged tree.
    fn structure(&mut self, catalog: &Dict<'p>, merged: &mut Merged) -> Result<(), JoinError> {
        let Some(root) = catalog.get::<Dict>(b"StructTreeRoot") else {
            return Ok(());
        };
        if let Some(id) = root.obj_id() {
            self.special.insert(obj_ref(id), self.fixed.struct_root);
        }
        let kids: Vec<MaybeRef<Object>> = match root.get::<Array>(b"K") {
            Some(a) => a.raw_iter().collect(),
            None => root.get_raw::<Object>(b"K").into_iter().collect(),
        };
        for kid in kids {
            let MaybeRef::Ref(r) = kid else {
                return Err("a part's structure tree root holds a direct element".into());
            };
            let elem: Dict = self
                .pdf
                .xref()
                .get(r.into())
                .ok_or("a part's structure root names a missing element")?;
            let is_document = elem
                .get::<PName>(b"S")
                .is_some_and(|s| s.as_ref() == b"Document");
            if is_document {
                self.special.insert(r, self.fixed.document);
                if merged.document_entries.is_none() {
                    merged.document_entries = Some((self.part, r.into()));
                }
                let inner: Vec<MaybeRef<Object>> = match elem.get::<Array>(b"K") {
                    Some(a) => a.raw_iter().collect(),
                    None => elem.get_raw::<Object>(b"K").into_iter().collect(),
                };
                for k in inner {
                    if let MaybeRef::Ref(kr) = k {
                        let new = self.renumber(kr);
                        merged.document_kids.push(new);
                    }
                }
            } else {
                let new = self.renumber(r);
                merged.document_kids.push(new);
            }
        }
        let mut nums = Vec::new();
        if let Some(tree) = root.get::<Dict>(b"ParentTree") {
            leaves(&tree, b"Nums", &mut nums);
        }
        for (key, value) in nums {
            let Object::Number(n) = key else { continue };
            if let MaybeRef::Ref(r) = value {
                let new = self.renumber(r);
                merged
                    .parent_tree
                    .push((n.as_i64() as i32 + self.key_offset, new));
            }
        }
        merged.struct_parents =
            self.key_offset + root.get::<i32>(b"ParentTreeNextKey").unwrap_or_default();
        let mut names = Vec::new();
        if let Some(tree) = root.get::<Dict>(b"IDTree") {
            leaves(&tree, b"Names", &mut names);
        }
        for (key, value) in names {
            let Object::String(s) = key else { continue };
            if let MaybeRef::Ref(r) = value {
                let new = self.renumber(r);
                merged
                    .id_tree
                    .push(([&self.id_prefix[..], s.as_bytes()].concat(), new));
            }
        }
        if let Some(roles) = root.get::<Dict>(b"RoleMap") {
            for (k, v) in roles.entries() {
                if let MaybeRef::NotRef(Object::Name(v)) = v {
                    merged
                        .role_map
                        .entry(k.as_ref().to_vec())
                        .or_insert_with(|| v.as_ref().to_vec());
                }
            }
        }
        Ok(())
    }

    /// The part's outline entries, rebuilt (their destinations copied).
    fn outline(&mut self, catalog: &Dict<'p>) -> Result<Vec<Entry>, JoinError> {
        let Some(root) = catalog.get::<Dict>(b"Outlines") else {
            return Ok(Vec::new());
        };
        if let Some(id) = root.obj_id() {
            self.special.insert(obj_ref(id), self.fixed.outlines);
        }
        self.entries(root.get::<Dict>(b"First"), 0)
    }

    fn entries(
        &mut self,
        mut item: Option<Dict<'p>>,
        depth: usize,
    ) -> Result<Vec<Entry>, JoinError> {
        let mut out = Vec::new();
        while let Some(d) = item {
            if depth > 64 || out.len() > 1_000_000 {
                return Err("a part's outline does not end".into());
            }
            let title = d
                .get::<hayro_write::hayro_syntax::object::String>(b"Title")
                .map(|s| s.as_bytes().to_vec())
                .unwrap_or_default();
            let dest = match d.get_raw::<Object>(b"Dest") {
                Some(MaybeRef::Ref(r)) => Some(self.renumber(r)),
                Some(MaybeRef::NotRef(Object::Array(_))) => {
                    return Err("an outline entry with a direct destination".into());
                }
                _ => None,
            };
            let kids = self.entries(d.get::<Dict>(b"First"), depth + 1)?;
            out.push(Entry { title, dest, kids });
            item = d.get::<Dict>(b"Next");
        }
        Ok(out)
    }

    /// A page, with its structure-parent key renumbered, the joined page tree as its parent,
    /// and its footer drawn over it.
    fn copy_page(
        &mut self,
        out: &mut Pdf,
        old: ObjRef,
        new: Ref,
        footer: Option<Ref>,
    ) -> Result<(), JoinError> {
        let page: Dict = self.pdf.xref().get(old.into()).ok_or("a page is missing")?;
        // Marked so that the object loop does not write it again.
        self.todo.retain(|r| *r != old);
        let overlay = footer.map(|xobject| {
            let stream = (self.alloc)();
            let content =
                b"q /Artifact <</Type /Pagination /Subtype /Footer>> BDC /RungsFooter Do EMC Q";
            out.stream(stream, content);
            (stream, xobject)
        });
        let mut d = out.indirect(new).dict();
        for (key, value) in page.entries() {
            match key.as_ref() {
                b"Parent" => {
                    d.pair(Name(b"Parent"), self.fixed.pages);
                }
                b"StructParents" => {
                    let n = match value {
                        MaybeRef::NotRef(Object::Number(n)) => n.as_i64() as i32,
                        _ => 0,
                    };
                    d.pair(Name(b"StructParents"), n + self.key_offset);
                }
                b"Contents" if overlay.is_some() => {
                    let mut a = d.insert(Name(b"Contents")).array();
                    match value {
                        MaybeRef::Ref(r) => {
                            a.item(self.renumber(r));
                        }
                        MaybeRef::NotRef(Object::Array(arr)) => {
                            for item in arr.raw_iter() {
                                self.write_value(a.push(), &item);
                            }
                        }
                        MaybeRef::NotRef(_) => {}
                    }
                    if let Some((stream, _)) = overlay {
                        a.item(stream);
                    }
                }
                b"Resources" if overlay.is_some() => {
                    let resources: Dict = match &value {
                        MaybeRef::Ref(r) => self.pdf.xref().get((*r).into()),
                        MaybeRef::NotRef(Object::Dict(d)) => Some(d.clone()),
                        MaybeRef::NotRef(_) => None,
                    }
                    .unwrap_or_else(Dict::empty);
                    let mut rd = d.insert(Name(b"Resources")).dict();
                    for (rk, rv) in resources.entries() {
                        if rk.as_ref() != b"XObject" {
                            self.write_value(rd.insert(Name(rk.as_ref())), &rv);
                        }
                    }
                    let mut xo = rd.insert(Name(b"XObject")).dict();
                    if let Some(existing) = resources.get::<Dict>(b"XObject") {
                        for (xk, xv) in existing.entries() {
                            self.write_value(xo.insert(Name(xk.as_ref())), &xv);
                        }
                    }
                    if let Some((_, xobject)) = overlay {
                        xo.pair(Name(b"RungsFooter"), xobject);
                    }
                }
                _ => self.write_value(d.insert(Name(key.as_ref())), &value),
            }
        }
        d.finish();
        Ok(())
    }

    /// Writes a copied object under its new number. Structure elements get their ids (and the
    /// table headers that name them) prefixed; annotations their structure-parent key moved.
    fn write_indirect(&mut self, out: &mut Pdf, new: Ref, object: &Object<'p>) {
        match object {
            Object::Stream(s) => {
                let data = s.raw_data();
                let mut w = out.stream(new, &data);
                for (k, v) in s.dict().entries() {
                    if k.as_ref() != b"Length" {
                        self.write_value(w.insert(Name(k.as_ref())), &v);
                    }
                }
            }
            Object::Dict(d) => {
                let mut w = out.indirect(new).dict();
                self.write_dict_entries(&mut w, d);
            }
            other => {
                let obj = out.indirect(new);
                self.write_direct(obj, other);
            }
        }
    }

    fn write_dict_entries(&mut self, w: &mut pdf_writer::Dict, d: &Dict<'p>) {
        let is_elem = d
            .get::<PName>(b"Type")
            .is_some_and(|t| t.as_ref() == b"StructElem")
            || (d.contains_key(b"S") && d.contains_key(b"P"));
        for (key, value) in d.entries() {
            match (key.as_ref(), &value) {
                (b"StructParent", MaybeRef::NotRef(Object::Number(n))) => {
                    w.pair(Name(b"StructParent"), n.as_i64() as i32 + self.key_offset);
                }
                (b"ID", MaybeRef::NotRef(Object::String(s))) if is_elem => {
                    w.pair(
                        Name(b"ID"),
                        Str(&[&self.id_prefix[..], s.as_bytes()].concat()),
                    );
                }
                (b"Headers", MaybeRef::NotRef(Object::Array(a))) => {
                    let mut arr = w.insert(Name(b"Headers")).array();
                    for item in a.raw_iter() {
                        match item {
                            MaybeRef::NotRef(Object::String(s)) => {
                                arr.item(Str(&[&self.id_prefix[..], s.as_bytes()].concat()));
                            }
                            other => self.write_value(arr.push(), &other),
                        }
                    }
                }
                _ => self.write_value(w.insert(Name(key.as_ref())), &value),
            }
        }
    }

    fn write_value(&mut self, obj: Obj, value: &MaybeRef<Object<'p>>) {
        match value {
            MaybeRef::Ref(r) => obj.primitive(self.renumber(*r)),
            MaybeRef::NotRef(o) => self.write_direct(obj, o),
        }
    }

    fn write_direct(&mut self, obj: Obj, object: &Object<'p>) {
        match object {
            // A stream is always an indirect object, reached through a reference.
            Object::Null(_) | Object::Stream(_) => obj.primitive(pdf_writer::Null),
            Object::Boolean(b) => obj.primitive(*b),
            Object::Number(n) => {
                let f = n.as_f64();
                if f.fract() == 0.0 && f.abs() < f64::from(i32::MAX) {
                    obj.primitive(f as i32);
                } else {
                    obj.primitive(n.as_f32());
                }
            }
            Object::String(s) => obj.primitive(Str(s.as_bytes())),
            Object::Name(n) => obj.primitive(Name(n.as_ref())),
            Object::Array(a) => {
                let mut w = obj.array();
                for item in a.raw_iter() {
                    self.write_value(w.push(), &item);
                }
            }
            Object::Dict(d) => {
                let mut w = obj.dict();
                self.write_dict_entries(&mut w, d);
            }
        }
    }
}

/// The (key, value) leaves of a number or name tree (`Nums` or `Names`), in order.
fn leaves<'a>(node: &Dict<'a>, kind: &[u8], out: &mut Vec<(Object<'a>, MaybeRef<Object<'a>>)>) {
    if let Some(a) = node.get::<Array>(kind) {
        let mut it = a.raw_iter();
        while let (Some(MaybeRef::NotRef(k)), Some(v)) = (it.next(), it.next()) {
            out.push((k, v));
        }
    }
    if let Some(kids) = node.get::<Array>(b"Kids") {
        for kid in kids.iter::<Dict>() {
            leaves(&kid, kind, out);
        }
    }
}

impl Merged {
    /// The joined page tree, structure tree and outline.
    fn write(
        &self,
        out: &mut Pdf,
        fixed: &Fixed,
        alloc: &dyn Fn() -> Ref,
    ) -> Result<(), JoinError> {
        out.pages(fixed.pages)
            .kids(self.pages.iter().copied())
            .count(i32::try_from(self.pages.len()).map_err(|e| e.to_string())?);
        self.write_structure(out, fixed);
        if !self.outline.is_empty() {
            write_outline(out, fixed.outlines, &self.outline, alloc);
        }
        Ok(())
    }

    fn write_structure(&self, out: &mut Pdf, fixed: &Fixed) {
        let mut root = out.indirect(fixed.struct_root).dict();
        root.pair(Name(b"Type"), Name(b"StructTreeRoot"));
        if !self.role_map.is_empty() {
            let mut roles = root.insert(Name(b"RoleMap")).dict();
            for (k, v) in &self.role_map {
                roles.pair(Name(k), Name(v));
            }
        }
        root.insert(Name(b"K")).array().item(fixed.document);
        let mut tree = root.insert(Name(b"ParentTree")).dict();
        let mut nums = tree.insert(Name(b"Nums")).array();
        for (k, v) in &self.parent_tree {
            nums.item(*k).item(*v);
        }
        nums.finish();
        tree.finish();
        if !self.id_tree.is_empty() {
            let mut ids: Vec<&(Vec<u8>, Ref)> = self.id_tree.iter().collect();
            ids.sort_by(|a, b| a.0.cmp(&b.0));
            let mut tree = root.insert(Name(b"IDTree")).dict();
            let mut names = tree.insert(Name(b"Names")).array();
            for (k, v) in ids {
                names.item(Str(k)).item(*v);
            }
        }
        root.pair(Name(b"ParentTreeNextKey"), self.struct_parents);
        root.finish();
        // The merged `Document` element: the first part's entries, all parts' children.
        let mut doc = out.indirect(fixed.document).dict();
        doc.pair(Name(b"Type"), Name(b"StructElem"));
        doc.pair(Name(b"S"), Name(b"Document"));
        doc.pair(Name(b"P"), fixed.struct_root);
        for (k, v) in &self.document_attributes {
            doc.pair(Name(k), Str(v));
        }
        doc.insert(Name(b"K"))
            .array()
            .items(self.document_kids.iter().copied());
    }
}

/// The text entries (language, title, alternative text) of the first part's `Document`
/// element, which the merged one keeps.
fn document_attributes(first: &Parsed, merged: &Merged) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Some((0, id)) = merged.document_entries else {
        return Vec::new();
    };
    let Some(d) = first.xref().get::<Dict>(id) else {
        return Vec::new();
    };
    d.entries()
        .filter_map(|(k, v)| match (k.as_ref(), v) {
            (b"Lang" | b"T" | b"Alt", MaybeRef::NotRef(Object::String(s))) => {
                Some((k.as_ref().to_vec(), s.as_bytes().to_vec()))
            }
            _ => None,
        })
        .collect()
}

/// Writes an outline tree with every entry open.
fn write_outline(out: &mut Pdf, root: Ref, entries: &[Entry], alloc: &dyn Fn() -> Ref) {
    let refs = write_entries(out, root, entries, alloc);
    let mut o = out.outline(root);
    o.first(refs[0]).last(refs[refs.len() - 1]);
    o.count(i32::try_from(visible(entries)).unwrap_or(i32::MAX));
}

/// Entries shown under an open entry: all of them, recursively.
fn visible(entries: &[Entry]) -> usize {
    entries.iter().map(|e| 1 + visible(&e.kids)).sum()
}

fn write_entries(
    out: &mut Pdf,
    parent: Ref,
    entries: &[Entry],
    alloc: &dyn Fn() -> Ref,
) -> Vec<Ref> {
    let refs: Vec<Ref> = entries.iter().map(|_| alloc()).collect();
    for (i, e) in entries.iter().enumerate() {
        let kids = if e.kids.is_empty() {
            Vec::new()
        } else {
            write_entries(out, refs[i], &e.kids, alloc)
        };
        let mut item = out.outline_item(refs[i]);
        item.parent(parent);
        item.pair(Name(b"Title"), Str(&e.title));
        if i > 0 {
            item.prev(refs[i - 1]);
        }
        if i + 1 < refs.len() {
            item.next(refs[i + 1]);
        }
        if let (Some(first), Some(last)) = (kids.first(), kids.last()) {
            item.first(*first).last(*last);
            item.count(i32::try_from(visible(&e.kids)).unwrap_or(i32::MAX));
        }
        if let Some(dest) = e.dest {
            item.pair(Name(b"Dest"), dest);
        }
    }
    refs
}

/// Writes the catalog from the first part's; returns its XMP metadata (where the catalog
/// names it, with its number), which states the page count and so is written last.
fn write_catalog(
    out: &mut Pdf,
    fixed: &Fixed,
    first: &Parsed,
    merged: &Merged,
    alloc: &dyn Fn() -> Ref,
) -> Result<Option<(Ref, Vec<u8>)>, JoinError> {
    let catalog: Dict = first
        .xref()
        .get(first.xref().root_id())
        .ok_or("the first part has no catalog")?;
    // Objects the first part's catalog points to (output intents) are copied by a copier of
    // that part; its numbers are fresh.
    let mut copier = Copier::new(first, 0, fixed, alloc, 0);
    let mut xmp = None;
    let mut c = out.catalog(fixed.catalog);
    c.pair(Name(b"Pages"), fixed.pages);
    c.pair(Name(b"StructTreeRoot"), fixed.struct_root);
    if !merged.outline.is_empty() {
        c.pair(Name(b"Outlines"), fixed.outlines);
    }
    for (k, v) in catalog.entries() {
        match k.as_ref() {
            b"Type" | b"Pages" | b"StructTreeRoot" | b"Outlines" => {}
            b"Metadata" => match plain_xml(&v, first) {
                Some(xml) => {
                    let at = alloc();
                    c.pair(Name(b"Metadata"), at);
                    xmp = Some((at, xml));
                }
                None => copier.write_value(c.insert(Name(b"Metadata")), &v),
            },
            _ => copier.write_value(c.insert(Name(k.as_ref())), &v),
        }
    }
    c.finish();
    while let Some(r) = copier.todo.pop() {
        let new = copier.map[&r];
        if let Some(object) = first.xref().get::<Object>(r.into()) {
            copier.write_indirect(out, new, &object);
        }
    }
    Ok(xmp)
}

/// The bytes of a metadata stream that is stored unfiltered (as typst writes XMP).
fn plain_xml(value: &MaybeRef<Object<'_>>, pdf: &Parsed) -> Option<Vec<u8>> {
    let MaybeRef::Ref(r) = value else { return None };
    match pdf.xref().get::<Object>((*r).into())? {
        Object::Stream(s) if !s.dict().contains_key(b"Filter") => Some(s.raw_data().to_vec()),
        _ => None,
    }
}

/// XMP metadata with its page count (`xmpTPg:NPages`, the first part's) set to `pages`.
fn with_page_count(xml: &[u8], pages: usize) -> Vec<u8> {
    const OPEN: &[u8] = b"<xmpTPg:NPages>";
    const CLOSE: &[u8] = b"</xmpTPg:NPages>";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let Some(start) = find(xml, OPEN).map(|i| i + OPEN.len()) else {
        return xml.to_vec();
    };
    let Some(len) = find(&xml[start..], CLOSE) else {
        return xml.to_vec();
    };
    [
        &xml[..start],
        pages.to_string().as_bytes(),
        &xml[start + len..],
    ]
    .concat()
}

/// The first part's document information, its strings as they were encoded.
fn write_info(out: &mut Pdf, info: Ref, first: &Parsed) {
    let m = first.metadata();
    let mut d = out.document_info(info);
    for (key, value) in [
        (&b"Title"[..], &m.title),
        (b"Author", &m.author),
        (b"Subject", &m.subject),
        (b"Keywords", &m.keywords),
        (b"Creator", &m.creator),
        (b"Producer", &m.producer),
    ] {
        if let Some(v) = value {
            d.pair(Name(key), Str(v));
        }
    }
    for (key, value) in [
        (&b"CreationDate"[..], &m.creation_date),
        (b"ModDate", &m.modification_date),
    ] {
        if let Some(t) = value {
            let date = pdf_writer::Date::new(t.year)
                .month(t.month)
                .day(t.day)
                .hour(t.hour)
                .minute(t.minute)
                .second(t.second)
                .utc_offset_hour(t.utc_offset_hour)
                .utc_offset_minute(t.utc_offset_minute);
            d.pair(Name(key), date);
        }
    }
}
