"""PACS/HIS matcher: pair chest radiographs (DICOM) with their reports (HIS exports) by patient and time."""
