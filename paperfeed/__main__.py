from paperfeed.cli import main

# Guarded: worker processes (started with spawn) import the parent's __main__ module.
if __name__ == "__main__":
    main()
