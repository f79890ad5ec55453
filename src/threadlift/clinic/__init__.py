"""The clinical domain: rules and records of the thread-lift pathway. Pure: no I/O, no clock, no database.

Times and dates are passed in; every clinical rule cites its source key in
../shared/knowledge/thread-lift-clinical.md.
"""
