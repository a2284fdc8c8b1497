"""The browser workshop: a system's model, its suggested threats, scores and mitigations on one page,
kept live for every participant (htmx polling with ETag / If-None-Match on a one-query change stamp).

Also the team dashboard. Reads go through `selectors`, the page's view models are built by `presenter`,
writes go through the register's and the modeling
domain's services; nothing here keeps state in process memory (presence is stored in the database).
"""
