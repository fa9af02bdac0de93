process.env.JIGSAW_TEST_STORE = 'postgres';
