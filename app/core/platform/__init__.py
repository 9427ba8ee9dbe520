"""Platform back-ends: one small interface per concern, the live implementation beside the test one."""
