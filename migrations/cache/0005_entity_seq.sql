-- The newest change of a kind (`Cache::latest_seq_of`, asked on every patient search to know
-- whether the search index is still fresh) from an index, instead of reading every row of the
-- kind past its sealed body: 9 ms -> well under 1 ms per search on 2,500 patients.
CREATE INDEX entities_by_kind_seq ON entities (kind, seq);
