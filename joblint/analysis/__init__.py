"""What the code says about jobs, read from parsed modules: the job model every frontend
lowers code into, the project's symbols and index, and the facts rules share (where an
enqueue sits, what a job body does, which classes are models, the project's settings).
"""
