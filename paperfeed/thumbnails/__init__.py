"""A thumbnail per paper: Hugging Face's for imported papers, else the first page of the arXiv
PDF rendered with PDFium (`maker`, run by the `thumbnails` job; `images`), kept in the data
directory (`files`), and a placeholder with the title's initials until then (`placeholder`).
The web layer imports only `files` and `placeholder`: PDFium and Pillow stay out of the
server processes."""
