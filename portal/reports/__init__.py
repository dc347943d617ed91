"""Post-resolution reports: the review, its published versions, and the PDFs executives read.

    models.py      Review, ReviewAction, ReviewVersion (and which fields are internal)
    operations.py  the only writers: start, edit, submit, publish, revise, actions
    content.py     what a published version says (customer-facing only) and its metrics
    summary.py     the organization summary for a period
    charts.py      server-made SVG charts
    fetcher.py     WeasyPrint's URL fetcher: bundled assets only
    rendering.py   HTML → PDF, bounded in size and time, cached by content hash
    demo.py        published reviews for the demo world
"""
