"""Multipart bodies: field names from the part's Content-Disposition, never from filename=."""

from analyzer.decode.formats import multipart_parts

BODY = (b'--XyZ\r\nContent-Disposition: form-data; filename="861234567890123.txt"; name="upload"\r\n'
        b'Content-Type: application/json\r\n\r\n{"imei":\n"861234567890123"}\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="b"\r\n\r\nplain\r\n--XyZ--\r\n')


def test_name_is_not_taken_from_filename_and_lines_are_kept():
    assert multipart_parts(BODY, 'multipart/form-data; boundary="XyZ"', 10) == [
        ("upload", "application/json", b'{"imei":\n"861234567890123"}'), ("b", "", b"plain")]


def test_unquoted_boundary_missing_boundary_and_part_limit():
    assert multipart_parts(BODY, "multipart/form-data; boundary=XyZ", 10)[1] == ("b", "", b"plain")
    assert multipart_parts(BODY, "multipart/form-data", 10) is None
    assert len(multipart_parts(BODY, "multipart/form-data; boundary=XyZ", 1)) == 1
