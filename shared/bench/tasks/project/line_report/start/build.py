import shutil

shutil.make_archive("tiny-app", "zip", "app")
