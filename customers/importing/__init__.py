"""Customer cards from a CSV or XLSX file: read, check every row, then save them all at once.

Two passes over the stored upload keep memory flat whatever the size of the file:

1. check: each row is read, checked (identifiers by their scheme's rules, as on the card
   form) and classified against the organization's cards as new, changed or unchanged, a
   batch at a time with one query per batch. Progress is committed after every batch.
2. save: the same reading again, written a batch at a time inside one transaction, so an
   import happens completely or not at all. With rejected rows this pass only runs when the
   user chose "import the valid rows".
"""

from customers.importing.files import TARGETS, guess_mapping, mapping_problems, upload
from customers.importing.passes import import_file, progress_key, run, saved_so_far
from customers.importing.problems import FileProblem
from customers.importing.removal import delete
from customers.importing.report import rejected_rows, rejections_shown

__all__ = ["TARGETS", "FileProblem", "delete", "guess_mapping", "import_file",
           "mapping_problems", "progress_key", "rejected_rows", "rejections_shown", "run",
           "saved_so_far", "upload"]
