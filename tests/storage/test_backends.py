"""Both storage backends keep, read (in chunks), and delete files with the transaction."""

from __future__ import annotations

import pytest

from crm import storage

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 40  # 10 KiB and every byte value
NAME = "0123456789abcdef0123456789abcdef.pdf"


@pytest.fixture(params=storage.BACKENDS)
def files(request, app, db, tmp_path, monkeypatch):
    """One area's storage under each backend (local files under tmp_path)."""
    monkeypatch.setitem(app.config, "FILE_STORAGE", request.param)
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setattr(storage, "CHUNK_BYTES", 4096)  # several chunks for 10 KiB
    return storage.storage("documents")


def test_a_stored_file_reads_back_byte_for_byte_in_chunks(files, db):
    files.put(NAME, DATA)
    db.session.commit()
    chunks = list(files.chunks(NAME))
    assert [len(c) for c in chunks] == [4096, 4096, len(DATA) - 8192]
    assert b"".join(chunks) == DATA
    assert files.read(NAME) == DATA
    assert files.size(NAME) == len(DATA)
    assert files.exists(NAME)


def test_a_read_through_a_temporary_path_gives_the_same_bytes(files, db):
    files.put(NAME, DATA)
    with files.as_file(NAME) as path:
        assert path.read_bytes() == DATA
        assert path.suffix == ".pdf"


def test_a_missing_file_is_a_key_error(files):
    assert not files.exists(NAME)
    with pytest.raises(KeyError):
        files.read(NAME)
    with pytest.raises(KeyError):
        files.size(NAME)


@pytest.mark.parametrize("name", ["../crm.db", "/etc/passwd", "x.pdf", "", "AB" * 16])
def test_names_the_crm_did_not_make_are_refused(files, name):
    with pytest.raises(KeyError):
        files.put(name, DATA)
    assert not files.exists(name)


def test_a_delete_takes_effect_when_the_transaction_commits(files, db):
    files.put(NAME, DATA)
    db.session.commit()
    files.delete(NAME)
    db.session.rollback()
    assert files.read(NAME) == DATA, "a rolled-back delete lost the file"
    files.delete(NAME)
    db.session.commit()
    assert not files.exists(NAME)


def test_putting_a_name_again_replaces_the_file(files, db):
    files.put(NAME, DATA)
    files.put(NAME, b"%PDF-2")
    assert files.read(NAME) == b"%PDF-2"


def test_an_unknown_backend_name_is_refused(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORAGE", "s3")
    with pytest.raises(RuntimeError, match="CRM_FILE_STORAGE"):
        storage.storage("documents")


def test_files_migrate_copies_existing_local_files_into_the_database(app, db, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    token = "fedcba9876543210fedcba9876543210"
    storage.storage("documents", "local").put(NAME, DATA)
    storage.storage("imports", "local").put(f"{token}.upload", b"PK-sheet")
    (tmp_path / "imports" / f"{token}.json").write_text("{}")  # pre-0021 wizard state
    runner = app.test_cli_runner()
    result = runner.invoke(storage.files_command, ["migrate", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert "documents: 1 copied, 0 already there" in result.output
    assert "imports: 1 copied, 0 already there" in result.output
    assert storage.storage("documents", "database").read(NAME) == DATA
    assert storage.storage("imports", "database").read(f"{token}.upload") == b"PK-sheet"
    assert not storage.storage("imports", "database").exists(f"{token}.json")
    assert (tmp_path / "uploads" / NAME).read_bytes() == DATA  # the source stays
    again = runner.invoke(storage.files_command, ["migrate", "--to", "database"])
    assert "documents: 0 copied, 1 already there" in again.output


def test_files_migrate_back_to_local_writes_the_database_files_to_the_folder(app, db, tmp_path,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    storage.storage("documents", "database").put(NAME, DATA)
    assert storage.migrate_files("local")["documents"] == (1, 0)
    assert (tmp_path / "uploads" / NAME).read_bytes() == DATA
