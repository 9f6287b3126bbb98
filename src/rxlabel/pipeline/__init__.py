"""End-to-end orchestration (demo, whole runs): the only package that imports every other one."""
