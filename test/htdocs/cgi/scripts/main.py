def main():
    print("Content-Type: text/plain")
    print()
    print("main ran")


if __name__ == "__main__":
    main()
