print("preconv-mpi")
